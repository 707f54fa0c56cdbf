"""Keyword retrieval: SQLite FTS5 with BM25, from whatever the user typed.

FTS5's query language treats quotes, AND/OR/NOT/NEAR, parentheses, `*`, `^`, `:` and `-` as
syntax, and a stray one is an error; so the question is never passed through. It is cut into
the words the index holds (letters and digits; unicode61 splits on everything else), common
English function words are dropped ("what is the..." says nothing about which chunk answers),
and each remaining word becomes a quoted term. Terms are OR-ed: a question rarely repeats a
chunk's exact words, and BM25 already ranks chunks holding more (and rarer) terms first. The
porter stemmer applies to quoted terms too, so "compressing" finds "compression".

The heading column weighs twice the body: a chunk under "Installing on Linux" is about that,
whatever its text repeats.

Ranking costs about a microsecond per matching chunk, and a question's common words ("code",
"time", "run") each match a good share of a large index: over 100,000 chunks, ranking every
match took 44 ms median and 103 ms p95 (bench/documents_speed.py). So on an index larger
than RANK_BUDGET chunks, the question's terms are taken rarest first (their document counts
come from FTS5's own vocabulary, through the same stemmer) while the chunks they match add up
to at most RANK_BUDGET; the rarest term is always kept. The terms left out are the common
ones, whose inverse document frequency adds little to BM25 (a term in 10% of chunks weighs
a quarter of one in 0.01%). Smaller indexes are ranked exactly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from desktop.sqlite_file import sqlite3

_WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 16
HEADING_WEIGHT = 2.0
# Matches ranked per query at most on a large index: about 20 ms on a 2-core machine.
RANK_BUDGET = 20_000
_TOKENIZER = "porter unicode61 remove_diacritics 2"  # as chunks_fts (desktop/documents/database.py)
_STOPWORDS_TEXT = """
    a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yourself yourselves s t don use used using
    tell explain describe give show please need want know say says said get gets one"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_SEARCH = """
SELECT c.id, bm25(chunks_fts, ?, 1.0) AS score
FROM chunks_fts
JOIN chunks c ON c.id = chunks_fts.rowid
JOIN files f ON f.id = c.file_id
WHERE chunks_fts MATCH ? AND f.collection_id IN ({collections})
ORDER BY score
LIMIT ?
"""


def keyword_terms(text: str) -> list[str]:
    """The distinct searchable words of `text`, lower-case, stop words left out unless nothing else remains."""
    words = [w.lower() for w in _WORD.findall(unicodedata.normalize("NFC", text))]
    kept = [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())] or words
    return list(dict.fromkeys(kept))[:MAX_TERMS]


def keyword_query(text: str) -> str:
    """An FTS5 query that always parses: quoted terms joined by OR; "" when nothing is searchable."""
    return " OR ".join(f'"{term}"' for term in keyword_terms(text))


def _prepare(conn: sqlite3.Connection) -> None:
    # Temporary (per-connection, in memory): the index's vocabulary, and a scratch table that
    # runs query terms through the index's own tokenizer to learn their stems.
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab USING fts5vocab(main, chunks_fts, row)")
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_terms USING fts5(term, tokenize='{_TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_stems USING fts5vocab(temp, query_terms, instance)")


def document_counts(conn: sqlite3.Connection, terms: Sequence[str]) -> list[int]:
    """How many chunks hold each term (stemmed as the index stems it), in the order given."""
    _prepare(conn)
    conn.execute("DELETE FROM temp.query_terms")
    conn.executemany("INSERT INTO temp.query_terms(rowid, term) VALUES (?, ?)", list(enumerate(terms)))
    stems: dict[int, list[str]] = {}
    for stem, row in conn.execute("SELECT term, doc FROM temp.query_stems"):
        stems.setdefault(int(row), []).append(stem)
    wanted = sorted({stem for found in stems.values() for stem in found})
    counts = dict(
        conn.execute(f"SELECT term, doc FROM temp.chunks_vocab WHERE term IN ({','.join('?' * len(wanted))})", wanted)
    ) if wanted else {}
    # A term that is several tokens (a phrase) matches at most as often as its rarest token.
    return [min((int(counts.get(stem, 0)) for stem in stems.get(i, [])), default=0) for i in range(len(terms))]


def within_budget(terms: Sequence[str], counts: Sequence[int], budget: int = RANK_BUDGET) -> list[str]:
    """The rarest terms whose matches add up to at most `budget` (at least the rarest present one)."""
    kept: list[str] = []
    total = 0
    for count, term in sorted((c, t) for c, t in zip(counts, terms, strict=True) if c > 0):
        if kept and total + count > budget:
            break
        kept.append(term)
        total += count
    return [t for t in terms if t in kept]


def keyword_search(
    conn: sqlite3.Connection, text: str, collection_ids: Sequence[int], limit: int
) -> list[tuple[int, float]]:
    """(chunk id, BM25 score) best first (FTS5's bm25 is lower-is-better; the sign is flipped here)."""
    terms = keyword_terms(text)
    if not terms or not collection_ids or limit <= 0:
        return []
    if int(conn.execute("SELECT count(*) FROM chunks").fetchone()[0]) > RANK_BUDGET:
        terms = within_budget(terms, document_counts(conn, terms), RANK_BUDGET)
        if not terms:
            return []
    query = " OR ".join(f'"{term}"' for term in terms)
    sql = _SEARCH.format(collections=",".join("?" * len(collection_ids)))
    params = [HEADING_WEIGHT, query, *collection_ids, limit]
    return [(int(chunk_id), -float(score)) for chunk_id, score in conn.execute(sql, params)]
