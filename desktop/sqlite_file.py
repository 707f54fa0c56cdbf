"""How Hearth opens its SQLite files (the chat database, the documents index): one way for both.

- The file and new folders are private (0600 / 0700) whatever the umask, created before SQLite
  opens the file (SQLite would use 0644); SQLite gives -wal and -shm the database's mode.
- WAL with synchronous=NORMAL: a power cut may lose the last commits, never corrupt the file.
- Foreign keys on; secure_delete on, so deleted text is overwritten, not left in free pages.
- `PRAGMA user_version` counts the migrations applied. Each runs in its own IMMEDIATE transaction
  with the version bump: a crash mid-migration leaves the previous version, never half of one, and
  two processes opening an old file at once cannot both run the same step. A file from a newer
  Hearth is refused with a plain message.
- SQLite's errors become the caller's error class, in words a user can act on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import HearthError

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700
Migration = Callable[[sqlite3.Connection], None]


@dataclass(frozen=True)
class DatabaseKind:
    noun: str  # "chat database", "documents index": how messages name the file
    error: type[HearthError]
    busy_timeout_ms: int = 5000
    cache_kib: int | None = None  # a bigger page cache, for files that are read in bulk


def create_private_file(path: Path, kind: DatabaseKind) -> None:
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
        raise kind.error(f"Cannot create the {kind.noun} {path}: {exc.strerror or exc}.") from exc


def opening_error(exc: sqlite3.Error, path: Path, kind: DatabaseKind) -> HearthError:
    """SQLite's error while opening `path`, as the caller's error a user can act on."""
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return kind.error(f"{path} is not a Hearth {kind.noun} ({exc}).")
    # Locked by another program, read-only, disk I/O...
    return kind.error(f"Cannot open the {kind.noun} {path}: {exc}.")


def connect(path: Path, kind: DatabaseKind, migrations: Sequence[Migration] | None = None) -> sqlite3.Connection:
    """An autocommit connection to `path`, private and tuned, migrated when `migrations` is given."""
    create_private_file(path, kind)
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise kind.error(f"Cannot open the {kind.noun} {path}: {exc}.") from exc
    try:
        _configure(conn, path, kind)
        if migrations is not None:
            migrate(conn, str(path), migrations, kind)
    except sqlite3.Error as exc:
        conn.close()
        raise opening_error(exc, path, kind) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _configure(conn: sqlite3.Connection, path: Path, kind: DatabaseKind) -> None:
    conn.execute(f"PRAGMA busy_timeout = {kind.busy_timeout_ms}")
    # Reading the header first turns "not a database" into an error before anything is written.
    conn.execute("PRAGMA schema_version").fetchone()
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode != "wal":
        log.warning("SQLite refused WAL mode for %s (using %s)", path, mode)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    if kind.cache_kib:
        conn.execute(f"PRAGMA cache_size = -{kind.cache_kib}")
    # An older file's -wal and -shm may have a looser mode than SQLite gives new ones.
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", FILE_MODE)


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, name: str, migrations: Sequence[Migration], kind: DatabaseKind) -> int:
    """Run the steps the file lacks; returns the version it had. `conn` is in autocommit mode."""
    target = len(migrations)
    found = user_version(conn)
    _refuse_newer(found, target, name, kind)
    for step in range(found, target):
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = user_version(conn)
            _refuse_newer(current, target, name, kind)
            if current == step:
                migrations[step](conn)
                conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found


def _refuse_newer(version: int, known: int, name: str, kind: DatabaseKind) -> None:
    if version > known:
        raise kind.error(
            f"The {kind.noun} {name} was written by a newer version of Hearth "
            f"(schema {version}; this version reads up to {known}). Update Hearth to open it."
        )


def split_statements(script: str) -> list[str]:
    """A schema script as single statements: `executescript` would commit the migration's
    transaction, so statements run one by one. Comment lines are dropped."""
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
