"""Full-text search over every conversation, robust to whatever the user types.

FTS5's query language treats quotes, AND/OR/NOT/NEAR, parentheses, `*`, `^`, `:` and `-` as
syntax, and a stray one is an error. The user's text is therefore never passed through: it is
cut into the same words the index holds and each becomes a quoted prefix term, all required
("meet note" finds "meeting notes"). Punctuation inside a word becomes a phrase, so
"it's" looks for "it" followed by "s", as the index stored it. A one-letter word matches
whole words only ("vitamin c", "plan b"): as a prefix it would match most of the vocabulary,
and take a quarter of a second to rank over 100,000 messages.

Ranking costs time per matching message, and a query of common words matches nearly all of
them; so when more than RANKED_WINDOW messages match, the newest RANKED_WINDOW are ranked.
Such a query's words say little about relevance anyway, and recent chats are likelier wanted.

Limitation: the unicode61 tokenizer splits on spaces and punctuation only, so text in scripts
written without spaces (Chinese, Japanese, Thai) is found by whole runs, not by substrings.
"""

from __future__ import annotations

import html
import re
import unicodedata

from desktop.chats.types import MARK_END, MARK_START, SearchHit
from desktop.sqlite_file import sqlite3

# unicode61 keeps letters and digits in tokens and splits on everything else, underscore too.
_WORD = re.compile(r"[^\W_]+")
# Each term is a separate index lookup; a pasted paragraph should not become 200 of them.
MAX_TERMS = 12
_SNIPPET_TOKENS = 16
# Ranks 20,000 messages in about 30 ms on a 2-core machine (bench/chat_store.py).
RANKED_WINDOW = 20_000

_MESSAGE_HITS = """
SELECT m.conversation_id, c.title, m.id,
       snippet(messages_fts, 0, :start, :end, '…', :tokens), bm25(messages_fts) AS score
FROM messages_fts
JOIN messages m ON m.id = messages_fts.rowid
JOIN conversations c ON c.id = m.conversation_id
WHERE messages_fts MATCH :query AND c.deleted_at IS NULL
  -- The newest :window matches: FTS5 takes the rowid bound and skips older entries unranked.
  AND messages_fts.rowid >= coalesce((
      SELECT rowid FROM messages_fts WHERE messages_fts MATCH :query ORDER BY rowid DESC LIMIT 1 OFFSET :window
  ), 0)
ORDER BY score, m.id DESC
LIMIT :limit
"""

_TITLE_HITS = """
SELECT c.id, c.title, highlight(conversations_fts, 0, :start, :end), bm25(conversations_fts) AS score
FROM conversations_fts
JOIN conversations c ON c.id = conversations_fts.rowid
WHERE conversations_fts MATCH :query AND c.deleted_at IS NULL
ORDER BY score, c.id DESC
LIMIT :limit
"""


def fts_query(text: str) -> str:
    """An FTS5 query that always parses: quoted prefix terms, all required; "" when nothing is searchable."""
    terms = []
    for chunk in unicodedata.normalize("NFC", text).split():
        words = _WORD.findall(chunk)
        if words:
            terms.append('"' + " ".join(words) + ('"*' if len(words[-1]) > 1 else '"'))
    return " ".join(terms[:MAX_TERMS])


def search(conn: sqlite3.Connection, text: str, limit: int, window: int = RANKED_WINDOW) -> list[SearchHit]:
    query = fts_query(text)
    if not query or limit <= 0:
        return []
    params = {
        "query": query,
        "start": MARK_START,
        "end": MARK_END,
        "tokens": _SNIPPET_TOKENS,
        "limit": limit,
        "window": window - 1,
    }
    hits = [
        SearchHit(cid, title, mid, snip, score) for cid, title, mid, snip, score in conn.execute(_MESSAGE_HITS, params)
    ]
    hits += [SearchHit(cid, title, None, snip, score) for cid, title, snip, score in conn.execute(_TITLE_HITS, params)]
    # Both scores are bm25 over short texts of similar kind, close enough to interleave.
    hits.sort(key=lambda hit: hit.rank)
    return hits[:limit]


def snippet_html(snippet: str) -> str:
    """The snippet as escaped rich text with matches in bold, for a Qt label or delegate."""
    return html.escape(snippet).replace(MARK_START, "<b>").replace(MARK_END, "</b>")


def snippet_text(snippet: str) -> str:
    """The snippet without match markers."""
    return snippet.replace(MARK_START, "").replace(MARK_END, "")
