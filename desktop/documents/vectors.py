"""Vector retrieval: exact cosine search over float32 BLOBs, with numpy.

Vectors are L2-normalised when stored, so cosine similarity is a dot product: one matrix-vector
product over every chunk of the searched collections, then `argpartition` for the top k.

Why a plain BLOB table and not sqlite-vec, measured on this project's 2-core machine over
100,000 chunks × 384 dimensions, 50 nearest of 30 queries × 3 (same top 50 from both):

- numpy over an in-memory matrix: 16 ms median, 28 ms p95 in the comparison run (9 ms median,
  10 ms p95 inside bench/documents_speed.py on a quieter machine), after a one-time load of the
  blobs (0.4-0.8 s) that is cached per collection and redone only when its revision changes.
- sqlite-vec 0.1.9 `vec0` table (also exact, brute force; through apsw 3.54 with SQLite 3.54):
  81 ms median, 95 ms p95. It also needs `sqlite3.Connection.enable_load_extension`, which many
  Python builds leave out (this project's own interpreter among them), and a native extension
  shipped for every platform.

So numpy wins on speed here and on portability everywhere. An approximate index (HNSW) would
pay off from a few million chunks, more than a desktop user indexes.

Memory: the cache holds the searched collections' matrices (384 floats = 1.5 KB a chunk:
150 MB for 100,000 chunks; 768-dimension models twice that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from desktop.sqlite_file import sqlite3

_LOAD = """
SELECT v.chunk_id, v.vector
FROM vectors v JOIN chunks c ON c.id = v.chunk_id JOIN files f ON f.id = c.file_id
WHERE f.collection_id = ? AND v.model = ?
"""


@dataclass(frozen=True)
class _Matrix:
    revision: int
    ids: np.ndarray  # int64 chunk ids
    vectors: np.ndarray  # float32, one normalised row per chunk


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    scaled: np.ndarray = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return scaled


class VectorSearch:
    """Per-connection cache of each collection's vectors; not thread-safe (one per reader thread)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, str], _Matrix] = {}

    def _matrix(self, conn: sqlite3.Connection, collection_id: int, model: str) -> _Matrix:
        row = conn.execute("SELECT revision FROM collections WHERE id = ?", (collection_id,)).fetchone()
        revision = int(row[0]) if row else -1
        cached = self._cache.get((collection_id, model))
        if cached is not None and cached.revision == revision:
            return cached
        rows = conn.execute(_LOAD, (collection_id, model)).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        blob = b"".join(r[1] for r in rows)
        vectors = np.frombuffer(blob, dtype="<f4").astype(np.float32, copy=False)
        dim = len(rows[0][1]) // 4 if rows else 0
        matrix = _Matrix(revision, ids, vectors.reshape(len(rows), dim) if rows else np.zeros((0, 0), np.float32))
        self._cache[(collection_id, model)] = matrix
        return matrix

    def search(
        self, conn: sqlite3.Connection, query: np.ndarray, collection_ids: Sequence[int], model: str, limit: int
    ) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) best first, over the vectors `model` made in these collections."""
        query = normalise(np.asarray(query, dtype=np.float32).reshape(-1))
        ids: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        for collection_id in collection_ids:
            matrix = self._matrix(conn, collection_id, model)
            if len(matrix.ids) and matrix.vectors.shape[1] == query.shape[0]:
                ids.append(matrix.ids)
                scores.append(matrix.vectors @ query)
        if not ids or limit <= 0:
            return []
        all_ids = np.concatenate(ids)
        all_scores = np.concatenate(scores)
        everything = np.arange(len(all_scores))
        top = np.argpartition(-all_scores, limit - 1)[:limit] if len(all_scores) > limit else everything
        top = top[np.argsort(-all_scores[top], kind="stable")]
        return [(int(all_ids[i]), float(all_scores[i])) for i in top]

    def clear(self) -> None:
        self._cache.clear()
