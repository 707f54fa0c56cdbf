"""Opening the chat database: desktop/sqlite_file.py's rules, with the store's error class."""

from __future__ import annotations

from pathlib import Path

from desktop import sqlite_file
from desktop.chats.errors import DamagedStoreError, StoreError
from desktop.sqlite_file import sqlite3

CHATS = sqlite_file.DatabaseKind(
    "chat database",
    StoreError,
    # Search over 100,000 messages and a 10,000-message thread read a few tens of MB: kept in
    # SQLite's own cache they are read (and, when encrypted, decrypted) once, not at every turn.
    cache_kib=65_536,
)


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection to `path` in WAL mode, the file and new folders made private."""
    return sqlite_file.connect(path, CHATS)


def opening_error(exc: sqlite3.Error, path: Path) -> StoreError:
    error = sqlite_file.opening_error(exc, path, CHATS)
    assert isinstance(error, StoreError)
    return error


def damaged_error(path: Path, exc: sqlite3.Error) -> DamagedStoreError:
    return DamagedStoreError(
        f"The chat database {path} is damaged ({exc}). Hearth has stopped writing to it: move it aside "
        "to start a fresh one (the old file is kept for recovery)."
    )
