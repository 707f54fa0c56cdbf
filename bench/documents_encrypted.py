"""The document index encrypted (SQLCipher) against plain, in one run; prints JSON.

    python -m bench.documents_encrypted [--passages N] [--chunks N] [--rounds N] [--keep DIR]

- query: bench.documents_speed's synthetic index (--chunks, 100,000), converted to SQLCipher as
  `hearth privacy encrypt` does, queried plain and encrypted taking turns (keyword and hybrid).
- indexing: keyword-only indexing of the reference corpus into a new index, plain and encrypted
  taking turns.
Ratios are plain time ÷ encrypted time (speed); the goal is at least 0.8, with the encrypted
figures still under bench.documents_speed's goals (keyword p95 < 50 ms, hybrid p95 < 200 ms).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from bench.documents_speed import _folder, _keyword_indexing, _latency, _sentences, _synthetic
from bench.indexing_speed import corpus_subset, load_average
from desktop import sqlite_file
from desktop.documents.embedder import Embedder
from models.library import starter_embedding_path


def _median_figure(runs: list[dict[str, Any]], kind: str, field: str) -> float | None:
    values = [run[kind][field] if isinstance(run.get(kind), dict) else run.get(kind) for run in runs]
    present = [float(v) for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


def encrypted_versus_plain(corpus: Path, plain_index: Path, collection_id: int, embedder: Embedder | None,
                           rounds: int) -> dict[str, Any]:
    key = sqlite_file.DatabaseKey.generate()
    encrypted_index = plain_index.with_name("synthetic-encrypted.sqlite3")
    shutil.copyfile(plain_index, encrypted_index)
    started = time.perf_counter()
    sqlite_file.convert_file(encrypted_index, None, key)
    convert_s = time.perf_counter() - started
    indexing: dict[str, list[float]] = {"plain": [], "encrypted": []}
    try:
        for _pair in range(3):
            for name, use in (("plain", None), ("encrypted", key)):
                sqlite_file.use_key(use)  # new files are created encrypted while a key is in use
                report = _keyword_indexing(corpus, plain_index.with_name(f"keyword-{name}.sqlite3"))
                indexing[name].append(report["passages_per_s"])
        sqlite_file.use_key(key)  # the plain index still opens plain: each file's header says which it is
        latencies: dict[str, list[dict[str, Any]]] = {"plain": [], "encrypted": []}
        for _pair in range(2):
            for name, path in (("plain", plain_index), ("encrypted", encrypted_index)):
                latencies[name].append(_latency(path, collection_id, embedder, rounds))
    finally:
        sqlite_file.use_key(None)
    kinds = [("bm25", "p95_ms"), ("bm25", "median_ms"), ("hybrid", "p95_ms")]
    figures: dict[str, dict[str, float | None]] = {
        name: {f"{kind}_{field}": _median_figure(runs, kind, field) for kind, field in kinds}
        for name, runs in latencies.items()}
    plain, encrypted = figures["plain"], figures["encrypted"]
    ratios = {k: round(p / e, 2) for k, p in plain.items() if p is not None and (e := encrypted[k])}
    for name in figures:
        figures[name]["indexing_keyword_passages_per_s"] = round(statistics.median(indexing[name]), 1)
    ratios["indexing_keyword_passages_per_s"] = round(
        statistics.median(indexing["encrypted"]) / statistics.median(indexing["plain"]), 2)
    return {"convert_s": round(convert_s, 1), **figures, "speed_ratio": ratios,
            "goal": "speed_ratio >= 0.8; encrypted bm25 p95 < 50 ms, hybrid p95 < 200 ms"}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--passages", type=int, default=120, help="reference-corpus passages to index (about)")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", help="write the corpora and databases here instead of a temporary folder")
    args = parser.parse_args()
    results: dict[str, Any] = {"load_average_before": load_average()}
    with _folder(args.keep) as folder:
        model = starter_embedding_path(folder / "embedding")
        corpus = corpus_subset(folder / "reference", args.passages)
        database = folder / "synthetic.sqlite3"
        database.unlink(missing_ok=True)
        collection_id, _build_s = _synthetic(database, _sentences(folder / "sentences"), args.chunks, 384)
        embedder = Embedder(model) if model is not None else None
        try:
            results["encrypted"] = encrypted_versus_plain(corpus, database, collection_id, embedder, args.rounds)
        finally:
            if embedder is not None:
                embedder.close()
    results["load_average_after"] = load_average()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
