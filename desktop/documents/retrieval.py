"""Hybrid retrieval: BM25 (always) and embeddings (when a model is installed), fused by reciprocal rank.

Reciprocal rank fusion (Cormack et al., 2009) scores a chunk by the sum over lists of
1 / (k + rank). It needs no score calibration between BM25 (unbounded) and cosine similarity
([-1, 1]), which is why it is the usual choice for hybrid search. The paper's k = 60 suits
long lists with many relevant documents; a question over one's own files usually has one or
two, and a smaller k lets a chunk that one list ranks first win. Measured on the
retrieval-quality test (30 questions, 100 documents, all-MiniLM-L6-v2), recall@5 by k:
5: 0.90, 10-20: 0.97, 30: 0.93, 45-60: 0.90 (BM25 alone 0.77, vectors alone 0.87). k = 20,
the top of the plateau. Each list contributes its best CANDIDATES chunks.

Only files whose status is 'ready' have chunks, so a file still indexing is never half-cited.

A query vector is computed by the caller on the thread that owns the Embedder (the indexer's
thread in the app, the main thread in the CLI): `Retriever.search` itself does SQLite and numpy
only, and runs on any thread that owns the DocumentIndex it was given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop.documents.keyword import keyword_search
from desktop.documents.store import DocumentIndex
from desktop.documents.types import RetrievedChunk
from desktop.documents.vectors import VectorSearch

RRF_K = 20
CANDIDATES = 50
DEFAULT_LIMIT = 5

_ROWS = """
SELECT c.id, c.file_id, f.path, f.title, c.heading, c.page, c.line, c.text
FROM chunks c JOIN files f ON f.id = c.file_id
WHERE c.id IN ({ids})
"""


@dataclass(frozen=True)
class Fused:
    chunk_id: int
    score: float
    keyword_rank: int | None
    vector_rank: int | None


def reciprocal_rank_fusion(keyword: Sequence[int], vector: Sequence[int], k: int = RRF_K) -> list[Fused]:
    """Both ranked lists of chunk ids fused, best first; ties keep the keyword order."""
    keyword_ranks = {chunk_id: rank for rank, chunk_id in enumerate(keyword, start=1)}
    vector_ranks = {chunk_id: rank for rank, chunk_id in enumerate(vector, start=1)}
    fused = []
    for chunk_id in dict.fromkeys([*keyword, *vector]):
        kr, vr = keyword_ranks.get(chunk_id), vector_ranks.get(chunk_id)
        score = (1.0 / (k + kr) if kr else 0.0) + (1.0 / (k + vr) if vr else 0.0)
        fused.append(Fused(chunk_id, score, kr, vr))
    fused.sort(key=lambda f: -f.score)  # stable: keyword order breaks ties
    return fused


class Retriever:
    """Searches one DocumentIndex; keeps the vectors of searched collections in memory between queries."""

    def __init__(self, index: DocumentIndex) -> None:
        self.index = index
        self._vectors = VectorSearch()

    def keyword(self, question: str, collection_ids: Sequence[int], limit: int = CANDIDATES) -> list[tuple[int, float]]:
        return keyword_search(self.index.conn, question, collection_ids, limit)

    def semantic(
        self, query_vector: np.ndarray, model: str, collection_ids: Sequence[int], limit: int = CANDIDATES
    ) -> list[tuple[int, float]]:
        return self._vectors.search(self.index.conn, query_vector, collection_ids, model, limit)

    def search(
        self,
        question: str,
        collection_ids: Sequence[int],
        *,
        limit: int = DEFAULT_LIMIT,
        query_vector: np.ndarray | None = None,
        model: str | None = None,
    ) -> list[RetrievedChunk]:
        """The best `limit` chunks for `question`: BM25 alone, or fused with the embedding ranking
        when `query_vector` (made by `model`) is given."""
        keyword = [chunk_id for chunk_id, _ in self.keyword(question, collection_ids)]
        vector: list[int] = []
        if query_vector is not None and model is not None:
            vector = [chunk_id for chunk_id, _ in self.semantic(query_vector, model, collection_ids)]
        fused = reciprocal_rank_fusion(keyword, vector)[:limit]
        return self.chunks(fused)

    def chunks(self, fused: Sequence[Fused]) -> list[RetrievedChunk]:
        if not fused:
            return []
        sql = _ROWS.format(ids=",".join("?" * len(fused)))
        rows = {row[0]: row for row in self.index.conn.execute(sql, [f.chunk_id for f in fused])}
        found = []
        for item in fused:
            row = rows.get(item.chunk_id)
            if row is None:  # removed between the two queries (the indexer commits concurrently)
                continue
            found.append(
                RetrievedChunk(
                    chunk_id=row[0], file_id=row[1], path=Path(row[2]), title=row[3], heading=row[4], page=row[5],
                    line=row[6], text=row[7], score=item.score, keyword_rank=item.keyword_rank,
                    vector_rank=item.vector_rank,
                )
            )
        return found
