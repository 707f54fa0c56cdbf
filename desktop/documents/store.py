"""`DocumentIndex`: collections, the files in them, their chunks and vectors, and which
conversations they are attached to. Retrieval reads the same file (desktop.documents.retrieval).

One instance per thread (SQLite connections are not shared between threads): the indexer
thread opens its own, the window and the CLI theirs. WAL lets readers search while the indexer
writes; the indexer commits one file at a time, so a reader waits milliseconds at most.

A file's chunks are replaced in one transaction (old ones out, new ones and their vectors in,
the file row updated, the collection's revision bumped): a search sees the old version or the
new one, never half of each, and a crash mid-file leaves the old version.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from desktop.documents.database import connect, database_path
from desktop.documents.errors import CollectionNotFoundError, IndexStoreError
from desktop.documents.searchable import search_title
from desktop.documents.types import Chunk, Collection, FileStatus, IndexedFile
from desktop.paths import AppPaths
from desktop.sqlite_file import sqlite3  # SQLCipher's driver: its errors are not the stdlib's

_COLLECTION = """
SELECT c.id, c.name, c.conversation_id, c.created_at, c.updated_at,
       count(f.id), count(f.id) FILTER (WHERE f.status = 'ready'), count(f.id) FILTER (WHERE f.status = 'failed'),
       count(f.id) FILTER (WHERE f.status = 'pending'), coalesce(sum(f.chunk_count), 0)
FROM collections c LEFT JOIN files f ON f.collection_id = c.id
"""
_FILE = """
SELECT id, collection_id, path, size, mtime_ns, sha256, status, error, format, title, chunk_count,
       embedding_model, indexed_at
FROM files
"""


def _file(row: Sequence[Any]) -> IndexedFile:
    return IndexedFile(
        id=row[0], collection_id=row[1], path=Path(row[2]), size=row[3], mtime_ns=row[4], sha256=row[5],
        status=row[6], error=row[7], format=row[8], title=row[9], chunk_count=row[10], embedding_model=row[11],
        indexed_at=row[12],
    )


def vector_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


class DocumentIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = connect(path)

    @classmethod
    def open(cls, paths: AppPaths) -> DocumentIndex:
        """The index in the data folder (created private on first use)."""
        return cls(database_path(paths.data))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> DocumentIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- collections ------------------------------------------------------------------------

    def _collection(self, row: Sequence[Any]) -> Collection:
        roots = tuple(self.roots(int(row[0])))
        return Collection(
            id=row[0], name=row[1], conversation_id=row[2], roots=roots, created_at=row[3], updated_at=row[4],
            file_count=row[5], ready_count=row[6], failed_count=row[7], pending_count=row[8], chunk_count=row[9],
        )

    def collections(self, include_private: bool = False) -> list[Collection]:
        """Named collections by name (and, with include_private, conversations' own ones after them)."""
        where = "" if include_private else "WHERE c.conversation_id IS NULL"
        rows = self.conn.execute(f"{_COLLECTION} {where} GROUP BY c.id ORDER BY c.conversation_id IS NOT NULL, c.name")
        return [self._collection(row) for row in rows.fetchall()]

    def collection(self, key: str | int) -> Collection:
        """A collection by id, or a named one by name (case-insensitive). Raises CollectionNotFoundError."""
        if isinstance(key, int):
            row = self.conn.execute(f"{_COLLECTION} WHERE c.id = ? GROUP BY c.id", (key,)).fetchone()
        else:
            row = self.conn.execute(
                f"{_COLLECTION} WHERE c.name = ? AND c.conversation_id IS NULL GROUP BY c.id", (key,)
            ).fetchone()
        if row is None:
            names = ", ".join(c.name for c in self.collections()) or "none yet"
            raise CollectionNotFoundError(f"There is no document collection '{key}'. Collections: {names}.")
        return self._collection(row)

    def create_collection(self, name: str) -> Collection:
        name = " ".join(name.split())
        if not name:
            raise IndexStoreError("A collection needs a name.")
        now = time.time()
        try:
            cursor = self.conn.execute(
                "INSERT INTO collections (name, created_at, updated_at) VALUES (?, ?, ?)", (name, now, now)
            )
        except sqlite3.IntegrityError as exc:
            raise IndexStoreError(f"A collection called '{name}' already exists.") from exc
        assert cursor.lastrowid is not None
        return self.collection(cursor.lastrowid)

    def ensure_collection(self, name: str) -> Collection:
        try:
            return self.collection(" ".join(name.split()))
        except CollectionNotFoundError:
            return self.create_collection(name)

    def conversation_collection(self, conversation_id: int) -> Collection:
        """The private collection of files dropped on a conversation, created (and attached) on first use."""
        row = self.conn.execute("SELECT id FROM collections WHERE conversation_id = ?", (conversation_id,)).fetchone()
        if row is not None:
            return self.collection(int(row[0]))
        now = time.time()
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO collections (name, conversation_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
                (f"Conversation {conversation_id}", conversation_id, now, now),
            )
            assert cursor.lastrowid is not None
            self.conn.execute(
                "INSERT OR IGNORE INTO attachments VALUES (?, ?, ?)", (conversation_id, cursor.lastrowid, now)
            )
        return self.collection(cursor.lastrowid)

    def rename_collection(self, collection_id: int, name: str) -> Collection:
        name = " ".join(name.split())
        if not name:
            raise IndexStoreError("A collection needs a name.")
        try:
            self.conn.execute(
                "UPDATE collections SET name = ?, updated_at = ? WHERE id = ?", (name, time.time(), collection_id)
            )
        except sqlite3.IntegrityError as exc:
            raise IndexStoreError(f"A collection called '{name}' already exists.") from exc
        return self.collection(collection_id)

    def delete_collection(self, collection_id: int) -> None:
        """The collection, its files' chunks and vectors, and its attachments (the files on disk stay)."""
        self.collection(collection_id)
        self.conn.execute("DELETE FROM collections WHERE id = ?", (collection_id,))

    def bump(self, collection_id: int) -> None:
        self.conn.execute(
            "UPDATE collections SET revision = revision + 1, updated_at = ? WHERE id = ?", (time.time(), collection_id)
        )

    def revision(self, collection_id: int) -> int:
        row = self.conn.execute("SELECT revision FROM collections WHERE id = ?", (collection_id,)).fetchone()
        return int(row[0]) if row else -1

    # -- roots: what the user added ----------------------------------------------------------

    def add_roots(self, collection_id: int, paths: Iterable[Path]) -> None:
        now = time.time()
        self.conn.executemany(
            "INSERT OR IGNORE INTO roots (collection_id, path, added_at) VALUES (?, ?, ?)",
            [(collection_id, str(p), now) for p in paths],
        )

    def roots(self, collection_id: int) -> list[Path]:
        rows = self.conn.execute("SELECT path FROM roots WHERE collection_id = ? ORDER BY path", (collection_id,))
        return [Path(r[0]) for r in rows]

    def remove_path(self, collection_id: int, path: Path) -> int:
        """Forget a root and every file at or under `path`; returns the number of files removed."""
        prefix = str(path).rstrip("/\\") + ("\\" if "\\" in str(path) and "/" not in str(path) else "/")
        with self.transaction():
            self.conn.execute(
                "DELETE FROM roots WHERE collection_id = ? AND (path = ? OR substr(path, 1, ?) = ?)",
                (collection_id, str(path), len(prefix), prefix),
            )
            cursor = self.conn.execute(
                "DELETE FROM files WHERE collection_id = ? AND (path = ? OR substr(path, 1, ?) = ?)",
                (collection_id, str(path), len(prefix), prefix),
            )
            self.bump(collection_id)
        return cursor.rowcount

    # -- files ------------------------------------------------------------------------------

    def files(self, collection_id: int, status: FileStatus | None = None) -> list[IndexedFile]:
        if status is None:
            rows = self.conn.execute(f"{_FILE} WHERE collection_id = ? ORDER BY path", (collection_id,))
        else:
            rows = self.conn.execute(
                f"{_FILE} WHERE collection_id = ? AND status = ? ORDER BY path", (collection_id, status)
            )
        return [_file(row) for row in rows]

    def file(self, collection_id: int, path: Path) -> IndexedFile | None:
        row = self.conn.execute(f"{_FILE} WHERE collection_id = ? AND path = ?", (collection_id, str(path))).fetchone()
        return _file(row) if row else None

    def mark_pending(self, collection_id: int, paths: Iterable[Path]) -> None:
        """New files the window can list as "indexing…" before their turn comes (known ones keep their state)."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO files (collection_id, path, status) VALUES (?, ?, 'pending')",
            [(collection_id, str(p)) for p in paths],
        )

    def write_file(
        self,
        collection_id: int,
        path: Path,
        *,
        size: int,
        mtime_ns: int,
        sha256: str,
        format: str,
        title: str | None,
        chunks: Sequence[Chunk],
        vectors: np.ndarray | None = None,
        model: str | None = None,
    ) -> int:
        """Replace a file's chunks (and vectors, one row per chunk) in one transaction; returns its id."""
        if vectors is not None and len(vectors) != len(chunks):
            raise ValueError("one vector per chunk")
        now = time.time()
        # Every chunk carries its file's title in words: keyword search weighs it above the text.
        searched_title = search_title(path, title)
        with self.transaction():
            file_id = self._upsert(collection_id, path, size, mtime_ns, sha256)
            self.conn.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))
            for index, chunk in enumerate(chunks):
                cursor = self.conn.execute(
                    "INSERT INTO chunks (file_id, ordinal, text, heading, page, line, tokens, title) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (file_id, chunk.ordinal, chunk.text, chunk.heading, chunk.page, chunk.line, chunk.tokens,
                     searched_title),
                )
                if vectors is not None and model is not None:
                    self.conn.execute(
                        "INSERT INTO vectors (chunk_id, model, vector) VALUES (?, ?, ?)",
                        (cursor.lastrowid, model, vector_blob(vectors[index])),
                    )
            self.conn.execute(
                "UPDATE files SET status = 'ready', error = NULL, format = ?, title = ?, chunk_count = ?, "
                "embedding_model = ?, indexed_at = ? WHERE id = ?",
                (format, title, len(chunks), model if vectors is not None else None, now, file_id),
            )
            self.bump(collection_id)
        return file_id

    def _upsert(self, collection_id: int, path: Path, size: int, mtime_ns: int, sha256: str | None) -> int:
        row = self.conn.execute(
            "INSERT INTO files (collection_id, path, size, mtime_ns, sha256, status) VALUES (?, ?, ?, ?, ?, 'pending') "
            "ON CONFLICT (collection_id, path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "sha256 = excluded.sha256 RETURNING id",
            (collection_id, str(path), size, mtime_ns, sha256),
        ).fetchone()
        return int(row[0])

    def mark_failed(
        self, collection_id: int, path: Path, reason: str, size: int = -1, mtime_ns: int = -1, sha256: str | None = None
    ) -> None:
        """A file that cannot be read: listed with the reason, its old chunks (if any) out of the index."""
        with self.transaction():
            file_id = self._upsert(collection_id, path, size, mtime_ns, sha256)
            self.conn.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))
            self.conn.execute(
                "UPDATE files SET status = 'failed', error = ?, chunk_count = 0, embedding_model = NULL, "
                "indexed_at = ? WHERE id = ?",
                (reason, time.time(), file_id),
            )
            self.bump(collection_id)

    def touch_file(self, file_id: int, size: int, mtime_ns: int) -> None:
        """Same content under a new mtime (a copy, a `touch`): remember the stat, keep the chunks."""
        self.conn.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE id = ?", (size, mtime_ns, file_id))

    def remove_files(self, collection_id: int, paths: Iterable[Path]) -> int:
        with self.transaction():
            removed = 0
            for path in paths:
                cursor = self.conn.execute(
                    "DELETE FROM files WHERE collection_id = ? AND path = ?", (collection_id, str(path))
                )
                removed += cursor.rowcount
            if removed:
                self.bump(collection_id)
        return removed

    # -- vectors for files indexed before an embedding model was installed -------------------

    def chunks_without_vectors(self, file_id: int, model: str) -> list[tuple[int, str | None, str]]:
        """(chunk id, heading, text) of a file's chunks with no vector from `model`."""
        rows = self.conn.execute(
            "SELECT c.id, c.heading, c.text FROM chunks c LEFT JOIN vectors v ON v.chunk_id = c.id AND v.model = ? "
            "WHERE c.file_id = ? AND v.chunk_id IS NULL ORDER BY c.ordinal",
            (model, file_id),
        )
        return [(int(r[0]), r[1], r[2]) for r in rows]

    def add_vectors(
        self, collection_id: int, file_id: int, model: str, pairs: Sequence[tuple[int, np.ndarray]]
    ) -> None:
        with self.transaction():
            self.conn.executemany(
                "INSERT OR REPLACE INTO vectors (chunk_id, model, vector) VALUES (?, ?, ?)",
                [(chunk_id, model, vector_blob(vector)) for chunk_id, vector in pairs],
            )
            self.conn.execute("UPDATE files SET embedding_model = ? WHERE id = ?", (model, file_id))
            self.bump(collection_id)

    # -- conversations -----------------------------------------------------------------------

    def attach(self, conversation_id: int, collection_id: int) -> None:
        self.collection(collection_id)
        self.conn.execute(
            "INSERT OR IGNORE INTO attachments VALUES (?, ?, ?)", (conversation_id, collection_id, time.time())
        )

    def detach(self, conversation_id: int, collection_id: int) -> None:
        self.conn.execute(
            "DELETE FROM attachments WHERE conversation_id = ? AND collection_id = ?", (conversation_id, collection_id)
        )

    def attached(self, conversation_id: int) -> list[Collection]:
        """The collections a conversation answers from: its own dropped files and the ones attached."""
        rows = self.conn.execute(
            f"{_COLLECTION} JOIN attachments a ON a.collection_id = c.id WHERE a.conversation_id = ? "
            "GROUP BY c.id ORDER BY c.conversation_id IS NULL, c.name",
            (conversation_id,),
        )
        return [self._collection(row) for row in rows.fetchall()]

    def forget_conversation(self, conversation_id: int) -> None:
        """A purged conversation: its private collection goes, named collections stay."""
        with self.transaction():
            self.conn.execute("DELETE FROM collections WHERE conversation_id = ?", (conversation_id,))
            self.conn.execute("DELETE FROM attachments WHERE conversation_id = ?", (conversation_id,))
