"""Undoing a message's deletion: the deleted rows, kept in memory, written back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.chats.rows import SUBTREE
from desktop.sqlite_file import sqlite3

_COLUMNS = ("conversation_id, parent_id, role, content, model, settings, stats, status, writer, created_at,"
            " updated_at")


@dataclass(frozen=True)
class DeletedMessages:
    """What `ChatStore.delete_message` removed, for `ChatStore.restore_messages`."""

    conversation_id: int
    leaf: int | None  # the conversation's current leaf before the deletion
    rows: tuple[tuple[Any, ...], ...]  # (id, the other columns...), parents before children


def copy_subtree(conn: sqlite3.Connection, root: int, conversation_id: int, leaf: int | None) -> DeletedMessages:
    rows = conn.execute(
        f"{SUBTREE} SELECT id, {_COLUMNS} FROM messages WHERE id IN (SELECT id FROM sub) ORDER BY id", {"root": root}
    ).fetchall()
    return DeletedMessages(conversation_id, leaf, tuple(tuple(row) for row in rows))


def write_back(conn: sqlite3.Connection, removed: DeletedMessages) -> None:
    """The rows again, parents first: under their own ids while those are free (ids keep the order
    of alternatives), else under new ones (a message added since took an id); then the leaf."""
    own_ids = not any(conn.execute("SELECT 1 FROM messages WHERE id = ?", (row[0],)).fetchone() for row in removed.rows)
    placeholders = ", ".join("?" * (_COLUMNS.count(",") + 1))
    new_ids: dict[int, int] = {}
    for old_id, conversation_id, parent_id, *rest in removed.rows:
        values = (conversation_id, new_ids.get(parent_id, parent_id), *rest)
        if own_ids:
            conn.execute(f"INSERT INTO messages (id, {_COLUMNS}) VALUES (?, {placeholders})", (old_id, *values))
            new_ids[old_id] = old_id
        else:
            cursor = conn.execute(f"INSERT INTO messages ({_COLUMNS}) VALUES ({placeholders})", values)
            assert cursor.lastrowid is not None
            new_ids[old_id] = cursor.lastrowid
    leaf = new_ids.get(removed.leaf, removed.leaf) if removed.leaf is not None else None
    conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?", (leaf, removed.conversation_id))
