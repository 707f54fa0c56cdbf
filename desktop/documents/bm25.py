"""The exact BM25 top list of a large FTS5 index, found quickly, with a proof that nothing is lost.

FTS5's bm25() (ext/fts5/fts5_aux.c) scores a chunk d for a query as a sum over its terms t:

    idf(t) * f * (k1 + 1) / (f + k1 * (1 - b + b * |d| / avgdl)),   k1 = 1.2, b = 0.75,

f being t's weighted count in d's columns and idf(t) = ln((N - n + 0.5) / (n + 0.5)), at least
1e-6, for a term found in n of the index's N chunks. Two facts follow: a term's share depends on
that term and that chunk only (the query's score is the sum of any split of its terms' scores),
and it is below idf(t) * (k1 + 1) in every chunk.

Ranking costs about a microsecond per matching chunk, and a question's common words each match
a good share of a large index (over 100,000 chunks the eval questions match 50,000 chunks at
the median, 105,000 at p95). So when the index is large:
1. the rarest terms whose matches add up to at most FIRST_PASS_MATCHES (at least the rarest one)
   are ranked alone; the best FIRST_PASS_ROWS chunks are the candidates, the last of them with
   partial score s_M (s_M = 0 when the first pass returned every chunk it matched);
2. the candidates get their exact score for the whole query (the same bm25(), `rowid IN`);
3. a chunk that is not a candidate scores at most s_M plus the other terms' bounds. When that is
   below the limit-th best exact score among the candidates, no other chunk can enter the top
   list, and it is exactly the plain query's. Otherwise (a question of common words only) the
   plain query ranks every match.
Dropping the common terms without step 3, as an earlier version did, lost passages the plain
query finds: recall@5 0.83 -> 0.65 on the held-out eval set, at the ratio it met on 100,000 chunks.

Collections: the first pass ranks the whole index (a join per match would cost more than the
ranking); candidates outside the searched collections are dropped, which keeps the bound valid.
When too few remain (a small collection in a large index), the plain query runs with the filter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.sqlite_file import sqlite3

K1, B = 1.2, 0.75  # FTS5's bm25() constants
# Matches the first pass may rank. A smaller pass is quicker when it proves the top list and
# wasted when it does not (a second pass or the plain query follows). Over 100,000 chunks, the
# eval questions' p95 was 55, 59, 63, 44, 45-47, 56 and 61 ms at 5k, 10k, 20k, 30k, 40k, 60k and
# 80k; the median grows from 24 ms at 20k to 31-33 ms at 40k (bench.documents_speed's synthetic
# index, idle 2-core machine). 30k had a worse worst case (108 ms).
FIRST_PASS_MATCHES = 40_000
FIRST_PASS_ROWS = 200
_OVERFETCH = 4  # rows ranked by FTS5 alone per row wanted, before the collection filter
_TOKENIZER = "porter unicode61 remove_diacritics 2"  # as chunks_fts (desktop/documents/database.py)
# bm25() adds terms in another order than here; the bound keeps a margin for rounding.
_ROUNDING = 1e-9


def idf(matches: int, rows: int) -> float:
    """FTS5's inverse document frequency of a term found in `matches` of `rows` chunks."""
    value = math.log((rows - matches + 0.5) / (matches + 0.5))
    return value if value > 0 else 1e-6


def term_bound(matches: int, rows: int) -> float:
    """The most one term adds to any chunk's score."""
    return idf(matches, rows) * (K1 + 1)


@dataclass(frozen=True)
class Term:
    text: str
    matches: int  # chunks holding it (a term the tokenizer splits: the rarest part's count, an upper bound)
    single: bool  # one index token: `matches` is exact, and so is its bound


def _prepare(conn: sqlite3.Connection) -> None:
    # Temporary (per-connection, in memory): the index's vocabulary, and a scratch table that
    # runs query terms through the index's own tokenizer to learn their stems.
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab USING fts5vocab(main, chunks_fts, row)")
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_terms USING fts5(term, tokenize='{_TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_stems USING fts5vocab(temp, query_terms, instance)")


def index_terms(conn: sqlite3.Connection, terms: Sequence[str]) -> list[Term]:
    """Each term with the number of chunks holding it, stemmed as the index stems it."""
    _prepare(conn)
    conn.execute("DELETE FROM temp.query_terms")
    conn.executemany("INSERT INTO temp.query_terms(rowid, term) VALUES (?, ?)", list(enumerate(terms)))
    stems: dict[int, list[str]] = {}
    for stem, row in conn.execute("SELECT term, doc FROM temp.query_stems"):
        stems.setdefault(int(row), []).append(stem)
    wanted = sorted({stem for found in stems.values() for stem in found})
    marks = ",".join("?" * len(wanted))
    counts = dict(conn.execute(f"SELECT term, doc FROM temp.chunks_vocab WHERE term IN ({marks})", wanted)) \
        if wanted else {}
    return [
        Term(term, min((int(counts.get(stem, 0)) for stem in stems.get(i, [])), default=0), len(stems.get(i, [])) == 1)
        for i, term in enumerate(terms)
    ]


def match_expression(terms: Sequence[str]) -> str:
    return " OR ".join(f'"{term}"' for term in terms)


class Bm25Query:
    """One question's terms over chunks_fts, with column weights (title, heading, text)."""

    def __init__(self, conn: sqlite3.Connection, terms: Sequence[str], weights: Sequence[float]) -> None:
        self.conn = conn
        self.terms = list(terms)
        self._rank = f"bm25(chunks_fts, {', '.join(str(float(w)) for w in weights)})"
        # How the last top() went (for tests and the bench): first passes run, and whether the bound proved one.
        self.passes = 0
        self.proven = False

    def top(self, collection_ids: Sequence[int], limit: int) -> list[tuple[int, float]]:
        """(chunk id, score) of the best `limit` chunks in the collections, best first, exactly as
        the plain query ranks them (score: bm25() with the sign flipped, higher is better)."""
        self.passes, self.proven = 0, False
        rows = int(self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0])
        if rows <= FIRST_PASS_MATCHES:
            return self._plain(self.terms, collection_ids, limit)
        terms = sorted((t for t in index_terms(self.conn, self.terms) if t.matches > 0), key=lambda t: t.matches)
        # Terms the tokenizer splits (rare: a phrase) have no exact bound: they always go first.
        terms = [t for t in terms if not t.single] + [t for t in terms if t.single]
        if not terms:
            return []  # no word of the question is in the index
        rare = self._within(terms, FIRST_PASS_MATCHES)
        while rare < len(terms):
            found, best = self._rare_first(terms[:rare], terms[rare:], rows, collection_ids, limit)
            self.passes += 1
            if found is not None:
                self.proven = True
                return found
            # Another try only when leaving fewer common terms out makes the proof possible
            # (the limit-th best score can only grow when more chunks are ranked).
            more = self._bounded(terms, rows, best)
            if best is None or more <= rare:
                break
            rare = more
        return self._plain([t.text for t in terms], collection_ids, limit)

    @staticmethod
    def _within(terms: Sequence[Term], budget: int) -> int:
        """How many of the terms (rarest first) have at most `budget` matches in all (at least one)."""
        total = 0
        for count, term in enumerate(terms):
            total += term.matches
            if total > budget:
                return max(1, count)
        return len(terms)

    @staticmethod
    def _bounded(terms: Sequence[Term], rows: int, score: float | None) -> int:
        """How many of the terms (rarest first) to rank so that the others' bounds add up to less than `score`."""
        if score is None:
            return len(terms)
        left = sum(term_bound(t.matches, rows) for t in terms)
        for count, term in enumerate(terms):
            if left < score:
                return count
            left -= term_bound(term.matches, rows)
        return len(terms)

    def _rare_first(
        self, rare: Sequence[Term], common: Sequence[Term], rows: int, collection_ids: Sequence[int], limit: int
    ) -> tuple[list[tuple[int, float]] | None, float | None]:
        """The exact top list when the bound proves it (else None), and the limit-th best score found."""
        wanted = max(FIRST_PASS_ROWS, limit * _OVERFETCH)
        rare_terms, common_terms = match_expression([t.text for t in rare]), match_expression([t.text for t in common])
        # Every chunk holding a rare term, in two disjoint parts, each with its exact score: bm25()
        # sums over all the query's phrases, and the common ones add nothing where they are absent.
        both = self._ranked(f"({rare_terms}) AND ({common_terms})", wanted)
        rare_only = self._ranked(f"({rare_terms}) NOT ({common_terms})", wanted)
        scores = dict(both) | dict(rare_only)
        kept = self._in_collections(list(scores), collection_ids)
        ranked = sorted(((chunk_id, scores[chunk_id]) for chunk_id in kept), key=lambda item: -item[1])[:limit]
        if len(ranked) < limit:
            return None, None
        elsewhere = max(
            both[-1][1] if len(both) == wanted else 0.0,
            rare_only[-1][1] if len(rare_only) == wanted else 0.0,
            sum(term_bound(t.matches, rows) for t in common),  # a chunk holding common terms only
        )
        best = ranked[-1][1]
        return (ranked if best > elsewhere * (1 + _ROUNDING) + _ROUNDING else None), best

    def _ranked(self, expression: str, count: int) -> list[tuple[int, float]]:
        """The best `count` chunks of the whole index, FTS5 alone ranking."""
        sql = f"SELECT rowid, {self._rank} AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?"
        return [(int(i), -float(s)) for i, s in self.conn.execute(sql, (expression, count))]

    def _in_collections(self, chunk_ids: Sequence[int], collection_ids: Sequence[int]) -> list[int]:
        sql = (f"SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id "
               f"WHERE c.id IN ({','.join('?' * len(chunk_ids))}) "
               f"AND f.collection_id IN ({','.join('?' * len(collection_ids))})")
        kept = {int(row[0]) for row in self.conn.execute(sql, (*chunk_ids, *collection_ids))}
        return [chunk_id for chunk_id in chunk_ids if chunk_id in kept]

    def _plain(self, terms: Sequence[str], collection_ids: Sequence[int], limit: int) -> list[tuple[int, float]]:
        """Every match ranked: by FTS5 alone, then the collection filter on the best rows; with the
        filter on every match when too few of those are in the collections."""
        expression = match_expression(terms)
        best = self._ranked(expression, limit * _OVERFETCH)
        kept = self._in_collections([chunk_id for chunk_id, _ in best], collection_ids) if best else []
        if len(kept) >= limit or len(best) < limit * _OVERFETCH:
            scores = dict(best)
            return [(chunk_id, scores[chunk_id]) for chunk_id in kept[:limit]]
        sql = (f"SELECT c.id, {self._rank} AS score FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
               f"JOIN files f ON f.id = c.file_id WHERE chunks_fts MATCH ? "
               f"AND f.collection_id IN ({','.join('?' * len(collection_ids))}) ORDER BY score LIMIT ?")
        return [(int(i), -float(s)) for i, s in self.conn.execute(sql, (expression, *collection_ids, limit))]
