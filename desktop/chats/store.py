"""The conversation store: one SQLite file holding every conversation, message and search index.

Threads: a ChatStore owns one sqlite3 connection, and a connection belongs to the thread that
made it (sqlite3 raises otherwise). Use a store from one thread only, the GUI thread; another
thread that needs the database opens its own ChatStore on the same file. WAL mode lets readers
and the writer work at once, and every write is committed when the method returns.

Messages form a tree through parent_id: editing a user message adds a sibling, regenerating an
answer adds a sibling answer. Each conversation remembers its current leaf; the thread shown is
the path from the root down to it. Creation order is id order (ids only grow), which unlike a
wall clock cannot go backwards.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import EllipsisType
from typing import Any

from desktop.chats import connection, export, schema, search
from desktop.chats.assistants import Assistants
from desktop.chats.errors import DamagedStoreError, NotFoundError, StoreError
from desktop.chats.prompts import PromptLibrary
from desktop.chats.rows import (
    CONVERSATION_COLUMNS,
    DESCEND,
    PATH_UP,
    SELECT_MESSAGES,
    SUBTREE,
    alternative_positions,
    check_choice,
    clean_title,
    dumps,
    one,
    walk_up,
)
from desktop.chats.rows import conversation as conversation_row
from desktop.chats.rows import message as message_row
from desktop.chats.sql_errors import sql_errors as _sql_errors
from desktop.chats.types import ROLES, STATUSES, STREAMING, Conversation, Message, SearchHit
from desktop.chats.undo import DeletedMessages, copy_subtree, write_back
from desktop.chats.writers import is_alive, this_process
from desktop.paths import AppPaths
from desktop.sqlite_file import is_damage, sqlite3

log = logging.getLogger(__name__)

DATABASE_NAME = "chats.sqlite3"
# Deleted conversations stay restorable this long (undo), then the next open removes them.
PURGE_AFTER_S = 24 * 3600

def database_path(paths: AppPaths) -> Path:
    return paths.data / DATABASE_NAME


class ChatStore:
    """Conversations and their message trees in one SQLite file; one thread only (see above)."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        """Open (creating or migrating) the database at `path`; StoreError if it cannot be used."""
        self.path = Path(path)
        self._clock = clock
        self.damaged = False  # SQLite said the file is damaged: nothing more is written to it
        self._conn = self._open()

    def _open(self) -> sqlite3.Connection:
        conn = connection.connect(self.path)
        try:
            schema.migrate(conn, str(self.path))
            self._conn = conn
            # The prompt library and assistants share the file and its connection (same thread rule).
            self.prompts = PromptLibrary(conn, self.path, self._clock)
            self.assistants = Assistants(conn, self.path, self._clock)
            self._recover_interrupted()
            self.purge_deleted(older_than_s=PURGE_AFTER_S)
        except sqlite3.Error as exc:
            conn.close()
            if is_damage(exc):
                raise connection.damaged_error(self.path, exc) from exc
            raise connection.opening_error(exc, self.path) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _stop_writing(self, exc: sqlite3.Error) -> DamagedStoreError:
        """The file failed SQLite's checks: from now on this store only reads (and closes without
        `PRAGMA optimize`), so the damage is not made worse before the user decides."""
        if not self.damaged:
            self.damaged = True
            log.error("The chat database %s is damaged (%s); no more writes to it", self.path, exc)
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA query_only = ON")
        return connection.damaged_error(self.path, exc)

    def close(self) -> None:
        if not self.damaged:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA optimize")
        self._conn.close()

    def suspend(self) -> None:
        """Close the file until `resume` (Hearth is locked); every use in between is a StoreError."""
        self.close()

    def resume(self) -> None:
        """Open the file again after `suspend` (with the key the process has now)."""
        self.damaged = False
        self._conn = self._open()

    def __enter__(self) -> ChatStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _recover_interrupted(self) -> None:
        """Answers left "streaming" by a process that died keep their text, marked "interrupted"."""
        rows = self._conn.execute("SELECT id, writer FROM messages WHERE status = 'streaming'").fetchall()
        dead = [(self._clock(), message_id) for message_id, writer in rows if not is_alive(writer)]
        if dead:
            with self._transaction() as conn:
                conn.executemany(
                    "UPDATE messages SET status = 'interrupted', writer = NULL, updated_at = ?"
                    " WHERE id = ? AND status = 'streaming'",
                    dead,
                )
            log.info("Marked %d answer(s) left streaming by a crash as interrupted", len(dead))

    # Conversations

    @_sql_errors
    def create_conversation(
        self,
        title: str = "New chat",
        system_prompt: str = "",
        settings: dict[str, Any] | None = None,
        model: str | None = None,
        assistant_id: int | None = None,
    ) -> Conversation:
        now = self._clock()
        title = clean_title(title)
        cursor = self._conn.execute(
            "INSERT INTO conversations (title, system_prompt, settings, model, created_at, updated_at, assistant_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (title, system_prompt, dumps(settings or {}), model, now, now, assistant_id),
        )
        assert cursor.lastrowid is not None
        return Conversation(cursor.lastrowid, title, system_prompt, dict(settings or {}), model, now, now, None,
                            assistant_id)

    @_sql_errors
    def get_conversation(self, conversation_id: int) -> Conversation:
        """Also finds a soft-deleted conversation, so an undo can still show it."""
        row = self._conn.execute(f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,))
        return conversation_row(one(row.fetchone(), f"Conversation {conversation_id} does not exist."))

    @_sql_errors
    def list_conversations(self) -> list[Conversation]:
        rows = self._conn.execute(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE deleted_at IS NULL"
            " ORDER BY updated_at DESC, id DESC"
        )
        return [conversation_row(row) for row in rows]

    @_sql_errors
    def update_conversation(
        self,
        conversation_id: int,
        *,
        title: str | None = None,
        system_prompt: str | None = None,
        settings: dict[str, Any] | None = None,
        model: str | None = None,
    ) -> Conversation:
        """Change the given fields (None leaves one as it is); does not move it up the sidebar."""
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = clean_title(title)
        if system_prompt is not None:
            changes["system_prompt"] = system_prompt
        if settings is not None:
            changes["settings"] = dumps(settings)
        if model is not None:
            changes["model"] = model
        if changes:
            assignments = ", ".join(f"{column} = ?" for column in changes)
            self._conn.execute(
                f"UPDATE conversations SET {assignments} WHERE id = ?", (*changes.values(), conversation_id)
            )
        return self.get_conversation(conversation_id)

    @_sql_errors
    def delete_conversation(self, conversation_id: int) -> None:
        """Hide it from listings and search; restore_conversation undoes this until it is purged."""
        self.get_conversation(conversation_id)
        self._conn.execute(
            "UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
            (self._clock(), conversation_id),
        )

    @_sql_errors
    def restore_conversation(self, conversation_id: int) -> None:
        cursor = self._conn.execute("UPDATE conversations SET deleted_at = NULL WHERE id = ?", (conversation_id,))
        if cursor.rowcount == 0:
            raise NotFoundError(f"Conversation {conversation_id} was deleted for good and cannot be restored.")

    @_sql_errors
    def purge_deleted(self, older_than_s: float = 0) -> int:
        """Remove for good the conversations deleted at least `older_than_s` ago; returns how many."""
        cutoff = self._clock() - older_than_s
        doomed = "SELECT id FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at <= ?"
        # Runs at every open: only take the write lock when there is something to remove.
        if self._conn.execute(f"{doomed} LIMIT 1", (cutoff,)).fetchone() is None:
            return 0
        with self._transaction() as conn:
            conn.execute(f"DELETE FROM messages WHERE conversation_id IN ({doomed})", (cutoff,))
            return conn.execute(f"DELETE FROM conversations WHERE id IN ({doomed})", (cutoff,)).rowcount

    # Messages

    @_sql_errors
    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        *,
        parent_id: int | EllipsisType | None = ...,
        model: str | None = None,
        settings: dict[str, Any] | None = None,
        stats: dict[str, Any] | None = None,
        status: str = "complete",
    ) -> Message:
        """Add a message under `parent_id` (default: the current leaf; None: a new root) and make it
        the current leaf. A "streaming" message is then filled in by a StreamingWriter."""
        check_choice(role, ROLES, "role")
        check_choice(status, STATUSES, "status")
        now = self._clock()
        with self._transaction() as conn:
            leaf = self.get_conversation(conversation_id).current_leaf_id
            parent = leaf if isinstance(parent_id, EllipsisType) else parent_id
            if parent is not None and self.get_message(parent).conversation_id != conversation_id:
                raise StoreError(f"Message {parent} belongs to another conversation than {conversation_id}.")
            cursor = conn.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, content, model, settings, stats, status,"
                " writer, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, parent, role, content, model, dumps(settings), dumps(stats), status,
                 this_process() if status == STREAMING else None, now, now),
            )  # fmt: skip
            assert cursor.lastrowid is not None
            conn.execute(
                "UPDATE conversations SET current_leaf_id = ?, updated_at = ? WHERE id = ?",
                (cursor.lastrowid, now, conversation_id),
            )
        return Message(
            cursor.lastrowid, conversation_id, parent, role, content, model, settings, stats, status, now, now
        )

    @_sql_errors
    def update_message(
        self,
        message_id: int,
        *,
        content: str | None = None,
        stats: dict[str, Any] | None = None,
        status: str | None = None,
    ) -> None:
        """Change the given fields; a new status also counts as activity in the conversation."""
        now = self._clock()
        changes: dict[str, Any] = {"updated_at": now}
        if content is not None:
            changes["content"] = content
        if stats is not None:
            changes["stats"] = dumps(stats)
        if status is not None:
            check_choice(status, STATUSES, "status")
            changes["status"] = status
            changes["writer"] = this_process() if status == STREAMING else None
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._transaction() as conn:
            cursor = conn.execute(f"UPDATE messages SET {assignments} WHERE id = ?", (*changes.values(), message_id))
            if cursor.rowcount == 0:
                raise NotFoundError(f"Message {message_id} does not exist.")
            if status is not None:
                conn.execute(
                    "UPDATE conversations SET updated_at = ?"
                    " WHERE id = (SELECT conversation_id FROM messages WHERE id = ?)",
                    (now, message_id),
                )

    @_sql_errors
    def get_message(self, message_id: int) -> Message:
        row = self._conn.execute(f"{SELECT_MESSAGES} WHERE id = ?", (message_id,)).fetchone()
        return message_row(one(row, f"Message {message_id} does not exist."))

    @_sql_errors
    def delete_message(self, message_id: int) -> DeletedMessages:
        """Delete the message and everything below it. If the current thread ran through it, the
        thread moves to the newest remaining branch under its parent. Returns what
        `restore_messages` needs to undo it."""
        message = self.get_message(message_id)
        conversation = message.conversation_id
        with self._transaction() as conn:
            leaf = self.get_conversation(conversation).current_leaf_id
            removed = copy_subtree(conn, message_id, conversation, leaf)
            on_thread = leaf is None or message_id in self._path_ids(conversation, leaf)
            conn.execute(f"{SUBTREE} DELETE FROM messages WHERE id IN (SELECT id FROM sub)", {"root": message_id})
            if on_thread:
                conn.execute(
                    "UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
                    (self._descend(conversation, message.parent_id), conversation),
                )
        return removed

    @_sql_errors
    def restore_messages(self, removed: DeletedMessages) -> None:
        """Undo a `delete_message`: the messages come back, and the thread shown before it."""
        with self._transaction() as conn:
            write_back(conn, removed)

    @_sql_errors
    def thread(self, conversation_id: int, *, limit: int | None = None) -> list[Message]:
        """The active path, root first. With `limit`, only its newest `limit` messages (a long
        conversation can be painted from those before the rest is read)."""
        leaf = self.get_conversation(conversation_id).current_leaf_id
        if leaf is None or (limit is not None and limit <= 0):
            return []
        if limit is not None:
            return [message_row(row) for row in self._conn.execute(PATH_UP, {"leaf": leaf, "limit": limit})]
        # Reading the whole conversation and walking it here is 3x faster than a recursive query
        # when the path is most of it, as it is unless there are many alternatives.
        rows = {
            row[0]: row
            for row in self._conn.execute(f"{SELECT_MESSAGES} WHERE conversation_id = ?", (conversation_id,))
        }
        return [message_row(rows[message_id]) for message_id in walk_up(leaf, {i: row[2] for i, row in rows.items()})]

    def _path_ids(self, conversation_id: int, leaf: int) -> list[int]:
        """Ids of the path to `leaf`, from the tree's shape alone (an index, no message text)."""
        parents = dict(
            self._conn.execute("SELECT id, parent_id FROM messages WHERE conversation_id = ?", (conversation_id,))
        )
        return walk_up(leaf, parents)

    def _descend(self, conversation_id: int, start: int | None) -> int | None:
        """The leaf reached from `start` (None: from the newest root) by always taking the newest child."""
        if start is None:
            row = self._conn.execute(
                "SELECT id FROM messages WHERE parent_id IS NULL AND conversation_id = ? ORDER BY id DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
            if row is None:
                return None
            start = int(row[0])
        leaf = self._conn.execute(DESCEND, {"start": start, "conv": conversation_id}).fetchone()
        return int(leaf[0])

    @_sql_errors
    def alternatives(self, message_id: int) -> list[Message]:
        """The message and its siblings of the same role (edits or regenerations), oldest first."""
        message = self.get_message(message_id)
        rows = self._conn.execute(
            f"{SELECT_MESSAGES} WHERE parent_id IS ? AND conversation_id = ? AND role = ? ORDER BY id",
            (message.parent_id, message.conversation_id, message.role),
        )
        return [message_row(row) for row in rows]

    @_sql_errors
    def alternative_positions(self, conversation_id: int) -> dict[int, tuple[int, int]]:
        """{message id: (its position among its alternatives from 1, their count)} for each message on
        the active thread that has alternatives: one query, where alternatives() costs one per message."""
        leaf = self.get_conversation(conversation_id).current_leaf_id
        rows = self._conn.execute(
            "SELECT id, parent_id, role FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        ).fetchall()
        return {} if leaf is None else alternative_positions(rows, leaf)

    @_sql_errors
    def select_alternative(self, message_id: int) -> list[Message]:
        """Make the thread run through `message_id` (then its newest descendants); returns that thread."""
        conversation = self.get_message(message_id).conversation_id
        leaf = self._descend(conversation, message_id)
        self._conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?", (leaf, conversation))
        return self.thread(conversation)

    @_sql_errors
    def count_messages(self, conversation_id: int) -> int:
        """Every stored message of the conversation, alternatives included."""
        row = self._conn.execute("SELECT count(*) FROM messages WHERE conversation_id = ?", (conversation_id,))
        return int(row.fetchone()[0])

    # Search and export

    @_sql_errors
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Messages and titles matching every word of `query` as a prefix, best first (any input is safe)."""
        return search.search(self._conn, query, limit)

    @_sql_errors
    def export_markdown(self, conversation_id: int) -> str:
        return export.to_markdown(self.get_conversation(conversation_id), self.thread(conversation_id))

    @_sql_errors
    def export_json(self, conversation_id: int) -> dict[str, Any]:
        conversation = self.get_conversation(conversation_id)
        rows = self._conn.execute(f"{SELECT_MESSAGES} WHERE conversation_id = ? ORDER BY id", (conversation_id,))
        path = [message.id for message in self.thread(conversation_id)]
        return export.to_json(conversation, [message_row(row) for row in rows], path)
