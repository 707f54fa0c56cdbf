"""The documents index file: opening it private and tuned, its schema, and its migrations.

One SQLite file, `documents.sqlite3` in the data folder, separate from the chat database: an
index can be rebuilt from the user's files, a chat history cannot, and the two should never
share a fate (a corrupt index is deleted and rebuilt; see `DocumentIndex.open`).

Opened by the same rules as the chat database (desktop/sqlite_file.py): private, WAL, secure
delete, migrations counted by `PRAGMA user_version`. Append new steps to MIGRATIONS; never edit
a shipped one.

Schema 2 (keyword search, desktop/documents/keyword.py): each chunk carries its file's search
title (desktop/documents/searchable.py), and chunks_fts indexes three columns, title, heading
and text, that BM25 weighs differently. (detail=column, without positions, looked cheaper, but
bm25() then re-tokenizes every matched chunk's text to count its terms: far slower on an
external-content table.) An older index is migrated in place, once: the title filled from
`files`, chunks_fts rebuilt from `chunks` (seconds per 100,000 chunks, inside the migration's
transaction, so a crash leaves schema 1 intact).
"""

from __future__ import annotations

from pathlib import Path

from desktop import sqlite_file
from desktop.documents.errors import IndexStoreError
from desktop.documents.searchable import search_title
from desktop.sqlite_file import Migration, split_statements, sqlite3

DATABASE_NAME = "documents.sqlite3"
DOCUMENTS = sqlite_file.DatabaseKind(
    "documents index",
    IndexStoreError,
    busy_timeout_ms=10_000,  # the indexer commits one file at a time; a reader waits at most that long
    cache_kib=65_536,  # vectors of 100,000 chunks are 150 MB; a bigger page cache keeps a warm index in memory
)

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


def _create_tables(conn: sqlite3.Connection) -> None:
    for statement in split_statements(_V1):
        conn.execute(statement)


_V2 = """
ALTER TABLE chunks ADD COLUMN title TEXT;
UPDATE chunks SET title = (SELECT hearth_search_title(f.path, f.title) FROM files f WHERE f.id = chunks.file_id);
DROP TRIGGER chunks_fts_insert;
DROP TRIGGER chunks_fts_delete;
DROP TABLE chunks_fts;
-- Titles and headings weigh more than body text (bm25 weights in desktop/documents/keyword.py).
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    title, heading, text, content='chunks', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, title, heading, text) VALUES (new.id, new.title, new.heading, new.text);
END;
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, text)
    VALUES ('delete', old.id, old.title, old.heading, old.text);
END;
INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');
"""


def _title_column(conn: sqlite3.Connection) -> None:
    conn.create_function("hearth_search_title", 2, search_title, deterministic=True)
    for statement in split_statements(_V2):
        conn.execute(statement)


# Index i upgrades the schema from version i to i + 1.
MIGRATIONS: list[Migration] = [_create_tables, _title_column]
SCHEMA_VERSION = len(MIGRATIONS)


def database_path(data_folder: Path) -> Path:
    return data_folder / DATABASE_NAME


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection to an up-to-date index at `path`, the file and new folders private.
    The indexer thread and a reader each open their own connection (one per thread)."""
    return sqlite_file.connect(path, DOCUMENTS, MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return sqlite_file.user_version(conn)
