"""The documents index file: opening it private and tuned, its schema, and its migrations.

One SQLite file, `documents.sqlite3` in the data folder, separate from the chat database: an
index can be rebuilt from the user's files, a chat history cannot, and the two should never
share a fate (a corrupt index is deleted and rebuilt; see `DocumentIndex.open`).

Same rules as the chat store (desktop/chats/connection.py and schema.py): the file and its
-wal/-shm are 0600 whatever the umask, WAL with synchronous=NORMAL, foreign keys on,
secure_delete on (a removed document's text is overwritten, not left in free pages), and
`PRAGMA user_version` counts the migrations applied, each in its own transaction with the
version bump. Append new steps to MIGRATIONS; never edit a shipped one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from desktop.documents.errors import IndexStoreError

log = logging.getLogger(__name__)

DATABASE_NAME = "documents.sqlite3"
FILE_MODE = 0o600
FOLDER_MODE = 0o700
_BUSY_TIMEOUT_MS = 10_000  # the indexer commits one file at a time; a reader waits at most that long

_V1 = """
CREATE TABLE collections (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL COLLATE NOCASE,
    -- Files dropped on one conversation live in its own collection, not listed in the sidebar.
    conversation_id INTEGER UNIQUE,
    -- Bumped by every change to the collection's chunks: retrieval caches vectors per revision.
    revision        INTEGER NOT NULL DEFAULT 0,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL
);
CREATE UNIQUE INDEX collections_name ON collections(name) WHERE conversation_id IS NULL;

-- What the user added: files and folders. Folders are rescanned, so new files join and
-- deleted ones leave.
CREATE TABLE roots (
    collection_id   INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path            TEXT NOT NULL,
    added_at        REAL NOT NULL,
    PRIMARY KEY (collection_id, path)
);

CREATE TABLE files (
    id              INTEGER PRIMARY KEY,
    collection_id   INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path            TEXT NOT NULL,
    size            INTEGER NOT NULL DEFAULT -1,
    mtime_ns        INTEGER NOT NULL DEFAULT -1,
    sha256          TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
    error           TEXT,
    format          TEXT,
    title           TEXT,
    chunk_count     INTEGER NOT NULL DEFAULT 0,
    embedding_model TEXT,
    indexed_at      REAL,
    UNIQUE (collection_id, path)
);
CREATE INDEX files_status ON files(collection_id, status);

CREATE TABLE chunks (
    id              INTEGER PRIMARY KEY,
    file_id         INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    ordinal         INTEGER NOT NULL,
    text            TEXT NOT NULL,
    heading         TEXT,
    page            INTEGER,
    line            INTEGER,
    tokens          INTEGER NOT NULL
);
CREATE INDEX chunks_file ON chunks(file_id, ordinal);

-- Porter stemming: "compressing" finds "compression". External content: the text lives once.
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    heading, text, content='chunks', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, heading, text) VALUES (new.id, coalesce(new.heading, ''), new.text);
END;
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, heading, text)
    VALUES ('delete', old.id, coalesce(old.heading, ''), old.text);
END;

-- float32 little-endian, L2-normalised; one model per row so a model change re-embeds lazily.
CREATE TABLE vectors (
    chunk_id        INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    model           TEXT NOT NULL,
    vector          BLOB NOT NULL
);

-- Collections attached to a conversation (ids from the chat database, which is another file).
CREATE TABLE attachments (
    conversation_id INTEGER NOT NULL,
    collection_id   INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    attached_at     REAL NOT NULL,
    PRIMARY KEY (conversation_id, collection_id)
);
CREATE INDEX attachments_collection ON attachments(collection_id);
"""


def _split(script: str) -> list[str]:
    """`executescript` would commit the migration's transaction, so statements run one by one."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete SQL statement: {current.strip()[:60]}")
    return statements


def _create_tables(conn: sqlite3.Connection) -> None:
    for statement in _split(_V1):
        conn.execute(statement)


# Index i upgrades the schema from version i to i + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_create_tables]
SCHEMA_VERSION = len(MIGRATIONS)


def database_path(data_folder: Path) -> Path:
    return data_folder / DATABASE_NAME


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection to an up-to-date index at `path`, the file and new folders private."""
    _create_private_file(path)
    try:
        # The indexer thread and a reader each open their own connection (one per thread).
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
    except sqlite3.Error as exc:
        raise IndexStoreError(f"Cannot open the documents index {path}: {exc}.") from exc
    try:
        _configure(conn, path)
        migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError):
            raise IndexStoreError(f"Cannot open the documents index {path}: {exc}.") from exc
        raise IndexStoreError(f"{path} is not a Hearth documents index ({exc}).") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA schema_version").fetchone()  # "not a database" fails here, before any write
    if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
        log.warning("SQLite refused WAL mode for %s", path)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    # Vectors of 100,000 chunks are 150 MB; a larger page cache keeps a warm index in memory.
    conn.execute("PRAGMA cache_size = -65536")
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", FILE_MODE)


def _create_private_file(path: Path) -> None:
    """Missing folders 0700 and the file 0600 before SQLite opens it (SQLite would use 0644)."""
    try:
        missing = []
        folder = path.parent
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
            os.chmod(folder, FOLDER_MODE)  # mkdir's mode passes through the umask
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), FILE_MODE))
        os.chmod(path, FILE_MODE)
    except OSError as exc:
        raise IndexStoreError(f"Cannot create the documents index {path}: {exc.strerror or exc}.") from exc


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Run the steps the file lacks; returns the version it had."""
    target = len(MIGRATIONS)
    found = user_version(conn)
    _refuse_newer(found, target, path)
    for step in range(found, target):
        # IMMEDIATE takes the write lock before reading the version again: two processes opening
        # an old file at once cannot both run the same step.
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = user_version(conn)
            _refuse_newer(current, target, path)
            if current == step:
                MIGRATIONS[step](conn)
                conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found


def _refuse_newer(version: int, known: int, path: Path) -> None:
    if version > known:
        raise IndexStoreError(
            f"The documents index {path} was written by a newer version of Hearth "
            f"(schema {version}; this version reads up to {known}). Update Hearth to open it."
        )
