"""Keyword retrieval: SQLite FTS5 with BM25, from whatever the user typed.

FTS5's query language treats quotes, AND/OR/NOT/NEAR, parentheses, `*`, `^`, `:` and `-` as
syntax, and a stray one is an error; so the question is never passed through. It is cut into
the words the index holds (letters and digits; unicode61 splits on everything else, so each
word is one index token), function words are dropped, and each remaining word becomes a quoted
term. Terms are OR-ed: a question rarely repeats a chunk's exact words, and BM25 already ranks
chunks holding more (and rarer) terms first. The porter stemmer applies to quoted terms too, so
"compressing" finds "compression"; remove_diacritics folds "café" to "cafe".

Columns (chunks_fts, schema 2 in desktop/documents/database.py): the file's title in words
(desktop/documents/searchable.py), the heading path, the text; BM25 weighs them 2/2/1.

Stop words are function words only (articles, pronouns, auxiliaries, wh-words, the commonest
prepositions) and the verbs of a request ("explain", "tell"). Words that carry meaning in a
technical question stay: not/no, on/off/up/down/out/in/over/under, before/after/between,
all/any/only/same/once, more/most/few, one, use, get ("log out", "not null", "before commit").

Ranking is exact: the chunks returned are the ones the plain OR query ranks best
(desktop/documents/bm25.py says how a large index gets there quickly, and proves it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from desktop.documents.bm25 import Bm25Query
from desktop.sqlite_file import sqlite3

_WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 16
TITLE_WEIGHT = 2.0
HEADING_WEIGHT = 2.0
TEXT_WEIGHT = 1.0
_STOPWORDS_TEXT = """
    a about am an and are as at be because been being but by can could did do does doing don during for from
    had has have having he her here hers herself him himself his how i if into is it its itself just me my myself
    now of or our ours ourselves s she should so some such t than that the their theirs them themselves then there
    these they this those through to until was we were what when where which while who whom why will with would
    you your yours yourself yourselves
    describe explain give know need please said say says show tell want"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


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
    terms = keyword_terms(text)
    if not terms or not collection_ids or limit <= 0:
        return []
    return Bm25Query(conn, terms, (TITLE_WEIGHT, HEADING_WEIGHT, TEXT_WEIGHT)).top(collection_ids, limit)
