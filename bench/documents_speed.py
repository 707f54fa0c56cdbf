"""Private documents speed goals; prints JSON.

    python -m bench.documents_speed [--parts indexing,chat,query] [--passages N] [--chunks N] [--rounds N]
                                    [--keep DIR]

- indexing (bench/indexing_speed.py): Hearth's passages/s indexing the held-out reference corpus
  with the starter embedding model, against the best raw llama.cpp throughput on the same texts,
  rounds alternating. Goal: at least 0.95 of it.
- chat (bench/indexing_speed.py): the starter chat model's tokens/s alone and while indexing,
  as the app runs both (and without the engine telling the indexer). Goal: at most 10% slower.
- query: latency over --chunks synthetic chunks (100,000): the 90 questions of both eval sets,
  each run --rounds times; median, p95, worst. Keyword search is timed against the plain OR
  query ranking every match, question by question in alternating order, and their top lists are
  compared (they must be the same). Goals: BM25 p95 < 50 ms, hybrid p95 < 200 ms. Hybrid includes
  embedding the question with the real model, BM25, the vector search, fusion and reading rows.

The 100,000 chunks are synthetic (embedding that many with a real model takes hours on two
cores): their text is sentences drawn at random from both real corpora, so term frequencies are
a real document collection's, repeated; their vectors are random unit vectors of the model's
dimension, which costs the search exactly what real ones would.

Every figure is from one run on one machine: compare the ratios, and the absolute figures only
with the machine's load (printed) in mind.
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

from bench.indexing_speed import chat_slowdown, corpus_subset, indexing_throughput, load_average
from desktop.documents.bm25 import Bm25Query
from desktop.documents.chunking import estimate_tokens
from desktop.documents.embedder import Embedder
from desktop.documents.indexing import index_paths
from desktop.documents.keyword import HEADING_WEIGHT, TEXT_WEIGHT, TITLE_WEIGHT, keyword_terms
from desktop.documents.retrieval import CANDIDATES, Retriever
from desktop.documents.store import DocumentIndex
from desktop.documents.types import Chunk
from desktop.documents.vectors import normalise
from models.library import starter_embedding_path, starter_model_path
from tests.fixtures import reference_corpus, stdlib_corpus

BM25_GOAL_MS = 50.0
HYBRID_GOAL_MS = 200.0
_CHUNKS_PER_FILE = 1000
QUESTIONS = [q for q, _ in stdlib_corpus.QUESTIONS] + [q for q, _, _ in reference_corpus.QUESTIONS]


@contextlib.contextmanager
def _folder(keep: str | None) -> Iterator[Path]:
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        yield Path(keep)
    else:
        with tempfile.TemporaryDirectory(prefix="hearth-docs-bench-") as name:
            yield Path(name)


def _keyword_indexing(corpus: Path, database: Path) -> dict[str, Any]:
    database.unlink(missing_ok=True)
    with DocumentIndex(database) as index:
        started = time.perf_counter()
        report = index_paths(index, "keyword", [corpus])
        seconds = time.perf_counter() - started
    return {"passages": report.chunks, "seconds": round(seconds, 2), "passages_per_s": round(report.chunks / seconds)}


def _sentences(folder: Path) -> list[str]:
    stdlib_corpus.write_corpus(folder / "stdlib")
    reference_corpus.write_corpus(folder / "reference")
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*/*")) if p.is_file())
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n\n", text) if len(s.split()) >= 4]


def _synthetic(database: Path, sentences: list[str], count: int, dimension: int, seed: int = 0) -> tuple[int, float]:
    """`count` chunks of sentences from both corpora, with random unit vectors; (collection id, seconds)."""
    rng = random.Random(seed)
    vectors_rng = np.random.default_rng(seed)
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


def _keyword_latency(index: DocumentIndex, collection_id: int, rounds: int) -> dict[str, Any]:
    """Hearth's keyword search against the plain query ranking every match: paired, alternating."""
    weights = (TITLE_WEIGHT, HEADING_WEIGHT, TEXT_WEIGHT)
    timings: dict[str, list[float]] = {"hearth": [], "plain": []}
    same = proven = 0
    for round_number in range(rounds):
        for number, question in enumerate(QUESTIONS):
            query = Bm25Query(index.conn, keyword_terms(question), weights)
            found: dict[str, list[tuple[int, float]]] = {}
            order = ("hearth", "plain") if (number + round_number) % 2 == 0 else ("plain", "hearth")
            for which in order:
                started = time.perf_counter()
                found[which] = (query.top([collection_id], CANDIDATES) if which == "hearth"
                                else query._plain(query.terms, [collection_id], CANDIDATES))
                timings[which].append((time.perf_counter() - started) * 1000)
            proven += query.proven
            same += [c for c, _ in found["hearth"]] == [c for c, _ in found["plain"]]
    ratios = [h / p for h, p in zip(timings["hearth"], timings["plain"], strict=True)]
    return {
        "bm25": _percentiles(timings["hearth"]), "plain_query": _percentiles(timings["plain"]),
        "bm25_over_plain_median_ratio": round(statistics.median(ratios), 2),
        "same_top_list_as_plain": f"{same} of {len(ratios)}",
        "proven_without_ranking_every_match": f"{proven} of {len(ratios)}",
    }


def _latency(database: Path, collection_id: int, embedder: Embedder | None, rounds: int) -> dict[str, Any]:
    with DocumentIndex(database) as index:
        retriever = Retriever(index)
        retriever.search(QUESTIONS[0], [collection_id])  # warm SQLite's page cache, as a running app has it
        result = _keyword_latency(index, collection_id, rounds)
        started = time.perf_counter()
        retriever.semantic(np.ones(384, np.float32) if embedder is None else embedder.embed_query("warm up"),
                           "synthetic", [collection_id])
        result["vector_cache_load_ms"] = round((time.perf_counter() - started) * 1000, 1)
        if embedder is None:
            return result
        hybrid, embedding, vector_only = [], [], []
        for _ in range(rounds):
            for question in QUESTIONS:
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


def _query_part(folder: Path, model: Path | None, chunks: int, rounds: int) -> dict[str, Any]:
    database = folder / "synthetic.sqlite3"
    results: dict[str, Any] = {}
    if not database.exists():  # --keep reuses it
        collection_id, build_s = _synthetic(database, _sentences(folder / "sentences"), chunks, 384)
        results["synthetic_build_s"] = round(build_s, 1)
    else:
        collection_id = 1
    results["synthetic_chunks"] = chunks
    results["index_file_mb"] = round(database.stat().st_size / 1e6, 1)
    embedder = Embedder(model) if model is not None else None
    try:
        latency = _latency(database, collection_id, embedder, rounds)
    finally:
        if embedder is not None:
            embedder.close()
    results["query_latency"] = latency
    results["goals"] = {
        f"bm25_p95_under_{BM25_GOAL_MS:.0f}ms": latency["bm25"]["p95_ms"] < BM25_GOAL_MS,
        f"hybrid_p95_under_{HYBRID_GOAL_MS:.0f}ms": (
            latency["hybrid"]["p95_ms"] < HYBRID_GOAL_MS if "hybrid" in latency else None
        ),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--parts", default="indexing,chat,query")
    parser.add_argument("--passages", type=int, default=120, help="reference-corpus passages to index (about)")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", help="write the corpora and databases here instead of a temporary folder")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    results: dict[str, Any] = {"load_average_before": load_average()}
    with _folder(args.keep) as folder:
        model = starter_embedding_path(folder / "embedding")
        if model is None:
            raise SystemExit("The starter embedding model's package is missing: make .venv/.installed")
        corpus = corpus_subset(folder / "reference", args.passages)
        if "indexing" in parts:
            results["indexing_keyword_only"] = _keyword_indexing(corpus, folder / "keyword.sqlite3")
            results["indexing_with_embeddings"] = indexing_throughput(corpus, folder, model, args.rounds)
        if "chat" in parts:
            chat_model = starter_model_path()
            if chat_model is None:
                raise SystemExit("The starter chat model's package is missing: make .venv/.installed")
            # The whole corpus (457 passages): indexing must outlast the answers.
            whole = corpus.parent / "all"
            results["chat_while_indexing"] = chat_slowdown(whole, folder, model, chat_model, args.rounds)
        if "query" in parts:
            results.update(_query_part(folder, model, args.chunks, args.rounds))
    results["load_average_after"] = load_average()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
