"""The store's SQL for walking message trees, and values to and from table rows."""

from __future__ import annotations

import json
from typing import Any

from desktop.chats.errors import NotFoundError
from desktop.chats.types import Conversation, Message

CONVERSATION_COLUMNS = (
    "id, title, system_prompt, settings, model, created_at, updated_at, current_leaf_id, assistant_id"
)
MESSAGE_COLUMNS = (
    "id, conversation_id, parent_id, role, content, model, settings, stats, status, created_at, updated_at"
)
SELECT_MESSAGES = f"SELECT {MESSAGE_COLUMNS} FROM messages"

# From :leaf up to the root (at most :limit messages), returned root first. The step is a
# scalar subquery, not a join: with table statistics SQLite would build a Bloom filter over
# the whole messages table for the join (40 ms at 100,000 messages) to look up 50 rows.
PATH_UP = f"""
WITH RECURSIVE up(id, depth) AS (
    SELECT :leaf, 0
    UNION ALL
    SELECT (SELECT parent_id FROM messages WHERE id = up.id), up.depth + 1 FROM up
    WHERE up.id IS NOT NULL AND up.depth + 1 < :limit
)
SELECT {", ".join("m." + column.strip() for column in MESSAGE_COLUMNS.split(","))}
FROM up JOIN messages m ON m.id = up.id ORDER BY up.depth DESC
"""

# From :start down to a leaf, always taking the newest child.
DESCEND = """
WITH RECURSIVE down(id, depth) AS (
    SELECT :start, 0
    UNION ALL
    SELECT (SELECT c.id FROM messages c WHERE c.parent_id = down.id AND c.conversation_id = :conv
            ORDER BY c.id DESC LIMIT 1), down.depth + 1
    FROM down WHERE down.id IS NOT NULL
)
SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1
"""

# :root and everything below it, as the CTE `sub`.
SUBTREE = """
WITH RECURSIVE sub(id) AS (
    SELECT :root UNION ALL SELECT m.id FROM messages m JOIN sub ON m.parent_id = sub.id
)
"""


def dumps(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def conversation(row: Any) -> Conversation:
    return Conversation(row[0], row[1], row[2], loads(row[3]), row[4], row[5], row[6], row[7], row[8])


def message(row: Any) -> Message:
    return Message(row[0], row[1], row[2], row[3], row[4], row[5], loads(row[6]), loads(row[7]), *row[8:])


def walk_up(leaf: int, parents: dict[int, int | None]) -> list[int]:
    """Ids from the root down to `leaf`, given each message's parent."""
    path: list[int] = []
    node: int | None = leaf
    while node is not None:
        path.append(node)
        node = parents[node]
    path.reverse()
    return path


def alternative_positions(shape: list[tuple[int, int | None, str]], leaf: int) -> dict[int, tuple[int, int]]:
    """From (id, parent_id, role) rows in id order: (position from 1, count) of each message on
    the path to `leaf` that has siblings of its role."""
    siblings: dict[tuple[int | None, str], list[int]] = {}
    for message_id, parent_id, role in shape:
        siblings.setdefault((parent_id, role), []).append(message_id)
    key = {message_id: (parent_id, role) for message_id, parent_id, role in shape}
    group = {i: siblings[key[i]] for i in walk_up(leaf, {i: parent for i, (parent, _) in key.items()})}
    return {i: (ids.index(i) + 1, len(ids)) for i, ids in group.items() if len(ids) > 1}


def one(row: Any, missing: str) -> Any:
    """The row, or NotFoundError with the `missing` message."""
    if row is None:
        raise NotFoundError(missing)
    return row


def clean_title(title: str) -> str:
    return " ".join(title.split()) or "New chat"


def check_choice(value: str, allowed: frozenset[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"unknown message {what} {value!r} (expected one of {sorted(allowed)})")
