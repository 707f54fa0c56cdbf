"""Opening the database file: private to the user whatever the umask, tuned, errors in plain words."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from pathlib import Path

from desktop.chats.errors import StoreError

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_BUSY_TIMEOUT_MS = 5000


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection to `path` in WAL mode, the file and new folders made private."""
    create_private_file(path)
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"Cannot open the chat database {path}: {exc}.") from exc
    try:
        _configure(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        raise opening_error(exc, path) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def opening_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """SQLite's error while opening `path`, as a StoreError a user can act on."""
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return StoreError(f"{path} is not a Hearth chat database ({exc}).")
    # Locked by another program, read-only, disk I/O...
    return StoreError(f"Cannot open the chat database {path}: {exc}.")


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    # Reading the header first turns "not a database" into an error before anything is written.
    conn.execute("PRAGMA schema_version").fetchone()
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode != "wal":
        log.warning("SQLite refused WAL mode for %s (using %s)", path, mode)
    # NORMAL in WAL mode: a power cut may lose the last commits, never corrupt the file.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Purged conversations are overwritten, not left readable in free pages.
    conn.execute("PRAGMA secure_delete = ON")
    # SQLite gives -wal and -shm the database's mode; an older file may have had a looser one.
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", FILE_MODE)


def create_private_file(path: Path) -> None:
    """Make missing folders 0700 and the file 0600 before SQLite opens it (SQLite would use 0644)."""
    try:
        missing = []
        folder = path.parent
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
            # mkdir's mode passes through the umask, which may also take away the user's own bits.
            os.chmod(folder, FOLDER_MODE)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), FILE_MODE))
        os.chmod(path, FILE_MODE)
    except OSError as exc:
        raise StoreError(f"Cannot create the chat database {path}: {exc.strerror or exc}.") from exc
