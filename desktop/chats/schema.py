"""The chat database's schema and its migrations.

`PRAGMA user_version` holds the number of migrations applied. Each migration runs in its own
transaction together with the version bump, so a crash mid-migration leaves the file at the
previous version, never half-way. Append new steps to MIGRATIONS; never edit a shipped one.
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop import sqlite_file
from desktop.chats.connection import CHATS
from desktop.sqlite_file import Migration, split_statements, sqlite3

_V1 = """
CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    system_prompt   TEXT NOT NULL DEFAULT '',
    settings        TEXT NOT NULL DEFAULT '{}',
    model           TEXT,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    deleted_at      REAL,
    -- SET NULL keeps the pointer valid whatever deletes a message; the store then picks a new leaf.
    current_leaf_id INTEGER REFERENCES messages(id) ON DELETE SET NULL
);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    -- No cascade here: a 10,000-message thread is a 10,000-deep chain, deeper than SQLite lets
    -- cascades recurse. Subtrees are deleted in one statement instead (checked at its end).
    parent_id       INTEGER REFERENCES messages(id),
    role            TEXT NOT NULL,
    content         TEXT NOT NULL,
    model           TEXT,
    settings        TEXT,
    stats           TEXT,
    status          TEXT NOT NULL,
    -- The process writing a "streaming" row ("pid:start time"), so opening the file from a
    -- second process does not declare a live answer interrupted.
    writer          TEXT,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL
);

-- Children of a message and roots of a conversation (parent_id IS NULL); also what the
-- parent_id foreign key check needs, which would otherwise scan the table per deleted row.
CREATE INDEX messages_parent ON messages(parent_id, conversation_id);
-- Covering for reading a conversation's tree shape (id, parent_id) without its text.
CREATE INDEX messages_conversation ON messages(conversation_id, parent_id);
CREATE INDEX messages_streaming ON messages(id) WHERE status = 'streaming';
CREATE INDEX conversations_leaf ON conversations(current_leaf_id);
CREATE INDEX conversations_recent ON conversations(updated_at) WHERE deleted_at IS NULL;
CREATE INDEX conversations_deleted ON conversations(deleted_at) WHERE deleted_at IS NOT NULL;

-- External-content indexes: the text lives once, in the tables above.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content='messages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
CREATE VIRTUAL TABLE conversations_fts USING fts5(
    title, content='conversations', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);

-- Every row is indexed, a streaming answer too: a flush re-indexes its text in ~0.3 ms, and the
-- index stays an exact image of the table (FTS5's integrity-check holds at any moment).
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;

CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title) VALUES ('delete', old.id, old.title);
    INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
END;
"""


def _create_tables(conn: sqlite3.Connection) -> None:
    for statement in split_statements(_V1):
        conn.execute(statement)


# The prompt library and assistants live beside the chats, so whatever protects this file
# (its mode, and encryption where it is on) protects them too.
_V2 = """
CREATE TABLE prompts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);

CREATE TABLE assistants (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    icon          TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    -- An installed model's name or a path; NULL: whatever model is loaded.
    model         TEXT,
    -- Sampling settings and LoRA adapters, as a conversation's `settings`.
    settings      TEXT NOT NULL DEFAULT '{}',
    collections   TEXT NOT NULL DEFAULT '[]',
    starters      TEXT NOT NULL DEFAULT '[]',
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
);

-- A deleted assistant leaves its conversations in place, with no assistant.
ALTER TABLE conversations ADD COLUMN assistant_id INTEGER REFERENCES assistants(id) ON DELETE SET NULL;
CREATE INDEX conversations_assistant ON conversations(assistant_id) WHERE assistant_id IS NOT NULL;
"""


def _add_prompts_and_assistants(conn: sqlite3.Connection) -> None:
    for statement in split_statements(_V2):
        conn.execute(statement)


# Index i upgrades the schema from version i to i + 1.
MIGRATIONS: list[Migration] = [_create_tables, _add_prompts_and_assistants]
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return sqlite_file.user_version(conn)


def migrate(conn: sqlite3.Connection, name: str, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Run the steps the database lacks; returns the version it had. `conn` is in autocommit mode."""
    return sqlite_file.migrate(conn, name, migrations, CHATS)
