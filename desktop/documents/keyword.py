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
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Sequence

_WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 16
HEADING_WEIGHT = 2.0
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


def keyword_search(
    conn: sqlite3.Connection, text: str, collection_ids: Sequence[int], limit: int
) -> list[tuple[int, float]]:
    """(chunk id, BM25 score) best first (FTS5's bm25 is lower-is-better; the sign is flipped here)."""
    query = keyword_query(text)
    if not query or not collection_ids or limit <= 0:
        return []
    sql = _SEARCH.format(collections=",".join("?" * len(collection_ids)))
    params = [HEADING_WEIGHT, query, *collection_ids, limit]
    return [(int(chunk_id), -float(score)) for chunk_id, score in conn.execute(sql, params)]
