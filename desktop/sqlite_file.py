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
- Encryption at rest: SQLCipher 4 through `sqlcipher3` (a fork of the standard library's sqlite3
  with the same API), for plain files too, so one driver and one family of errors serve both.
  This module is the only one that hands keys to SQLite. `use_key(key)` gives the process the
  databases' key, `lock()` forgets it (nothing opens until the next `use_key`), `use_key(None)`
  means plain files. Each file tells by its header whether it is encrypted, so a plain and an
  encrypted file open side by side (a conversion interrupted between two databases).
  Temp files stay in memory (`temp_store = MEMORY`): nothing decrypted reaches the disk outside
  the encrypted file and its WAL, which SQLCipher encrypts page by page.
- A passphrase never keys a database: it opens a small key file (a SQLCipher database keyed by
  the passphrase through SQLCipher's own KDF, PBKDF2-HMAC-SHA512) holding a random 256-bit key.
  The KDF then runs once per unlock, not once per connection, and the passphrase can change
  without re-encrypting anything.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.errors import HearthError

if TYPE_CHECKING:
    import sqlite3
else:  # the same API (a pysqlite3 fork); it ships no type information, so mypy reads the stdlib's
    from sqlcipher3 import dbapi2 as sqlite3

__all__ = ["DatabaseKey", "DatabaseKind", "WrongKeyError", "connect", "lock", "sqlite3", "use_key"]

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700
PLAIN_HEADER = b"SQLite format 3\x00"
KEY_BYTES = 32
Migration = Callable[[sqlite3.Connection], None]
# SQLCipher 4's cipher (AES-256-CBC, a random IV per page) with an HMAC per page, as it ships,
# except two settings measured here (bench/chat_store.py): 16 KiB pages and HMAC-SHA256 (SHA
# instructions on current CPUs) decrypt a 10,000-message thread in half the time of 4 KiB pages
# with HMAC-SHA512. Files written with them open only with them: never change them without a
# conversion step for existing files.
CIPHER_SETTINGS = ("cipher_page_size = 16384", "cipher_hmac_algorithm = HMAC_SHA256")


class WrongKeyError(HearthError):
    """The passphrase or key does not open the file."""


@dataclass(frozen=True)
class DatabaseKey:
    """A raw 256-bit SQLCipher key (no KDF per connection). Never printed."""

    raw: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.raw) != KEY_BYTES:
            raise ValueError("a database key is 32 bytes")

    @classmethod
    def generate(cls) -> DatabaseKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_hex(cls, text: str) -> DatabaseKey:
        return cls(bytes.fromhex(text))

    def hex(self) -> str:
        return self.raw.hex()

    def pragma_value(self) -> str:
        return f"x'{self.raw.hex()}'"


class _Access:
    """The process's key: None with `locked` False means plain files."""

    key: DatabaseKey | None = None
    locked = False


def use_key(key: DatabaseKey | None) -> None:
    """Open encrypted files with `key` from now on, and create new files encrypted with it;
    None: plain files only."""
    _Access.key, _Access.locked = key, False


def lock() -> None:
    """Forget the key; every open is refused until `use_key`. Open connections keep working
    until their owners close them."""
    _Access.key, _Access.locked = None, True


def is_locked() -> bool:
    return _Access.locked


def current_key() -> DatabaseKey | None:
    return _Access.key


def is_encrypted(path: Path) -> bool:
    """Whether `path` holds an encrypted (or at least not plain) SQLite file; False if it is
    missing or empty (a new file)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(PLAIN_HEADER))
    except FileNotFoundError:
        return False
    return bool(header) and header != PLAIN_HEADER


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


def is_damage(exc: BaseException) -> bool:
    """SQLite found the file damaged ("database disk image is malformed"): a store that sees this
    must not write to the file again, not even `PRAGMA optimize` on close."""
    text = str(exc)
    return isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "corrupt" in text)


def opening_error(exc: sqlite3.Error, path: Path, kind: DatabaseKind) -> HearthError:
    """SQLite's error while opening `path`, as the caller's error a user can act on."""
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        if is_encrypted(path) and _Access.key is not None and not is_damage(exc):
            return kind.error(f"The {kind.noun} {path} is encrypted with another key than this one "
                              "(or it is not a Hearth file).")
        if is_damage(exc):
            return kind.error(f"The {kind.noun} {path} is damaged ({exc}); Hearth has not written to it.")
        return kind.error(f"{path} is not a Hearth {kind.noun} ({exc}).")
    # Locked by another program, read-only, disk I/O...
    return kind.error(f"Cannot open the {kind.noun} {path}: {exc}.")


def connect(path: Path, kind: DatabaseKind, migrations: Sequence[Migration] | None = None) -> sqlite3.Connection:
    """An autocommit connection to `path`, private and tuned, migrated when `migrations` is given."""
    if _Access.locked:
        raise kind.error(f"Hearth's chats and documents are locked: unlock them to open the {kind.noun}.")
    create_private_file(path, kind)
    try:
        conn = raw_connection(path, _Access.key if is_encrypted(path) or path.stat().st_size == 0 else None)
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


def raw_connection(path: Path | str, key: DatabaseKey | None) -> sqlite3.Connection:
    """A connection with the key applied first (SQLCipher requires it before anything else)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # A wrong key is reported to the caller in words; SQLCipher's own log would print to stderr.
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            conn.execute(f"PRAGMA key = \"{key.pragma_value()}\"")
            for setting in CIPHER_SETTINGS:
                conn.execute(f"PRAGMA {setting}")
        conn.execute("PRAGMA temp_store = MEMORY")
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


def move_aside(path: Path, reason: str = "damaged") -> Path:
    """Rename a database and its -wal/-shm to `<name>.<reason>-<n>`, kept for recovery, so a
    fresh file can start in its place; returns the new name of the database."""
    number = 1
    while (aside := path.with_name(f"{path.name}.{reason}-{number}")).exists():
        number += 1
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{aside}{suffix}")
    os.replace(path, aside)
    return aside


# -- the key file: a random key behind a passphrase --------------------------------------------


def _passphrase_pragma(passphrase: str) -> str:
    if not passphrase or "\x00" in passphrase:
        raise WrongKeyError("A passphrase cannot be empty.")
    return "'" + passphrase.replace("'", "''") + "'"


def write_key_file(path: Path, passphrase: str, key: DatabaseKey) -> None:
    """Keep `key` in `path` behind `passphrase` (written whole or not at all, 0600)."""
    temporary = path.with_name(f"{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    os.close(os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE))
    conn = sqlite3.connect(temporary, isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_passphrase_pragma(passphrase)}")
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("CREATE TABLE database_key (key BLOB NOT NULL)")
        conn.execute("INSERT INTO database_key VALUES (?)", (key.raw,))
    finally:
        conn.close()
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    sync_folder(path.parent)


def read_key_file(path: Path, passphrase: str) -> DatabaseKey:
    """The key kept in `path`; WrongKeyError if `passphrase` does not open it."""
    if not path.is_file():
        raise WrongKeyError(f"The key file {path} is missing.")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_passphrase_pragma(passphrase)}")
        row = conn.execute("SELECT key FROM database_key").fetchone()
    except sqlite3.DatabaseError as exc:
        raise WrongKeyError("That passphrase does not unlock your chats.") from exc
    finally:
        conn.close()
    return DatabaseKey(bytes(row[0]))


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; Windows has no directory handles to sync)."""
    if os.name == "posix":
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# -- converting a file between plain and encrypted, in place -----------------------------------


def convert_file(
    path: Path,
    source_key: DatabaseKey | None,
    target_key: DatabaseKey | None,
    progress: Callable[[float], None] = lambda _fraction: None,
    checkpoint: Callable[[str], None] = lambda _name: None,
) -> None:
    """Rewrite `path` with `target_key` (None: plain). A copy is written beside it, checked
    (every table's row count, SQLite's quick check) and synced, then renamed over the original:
    killed at any moment, the file is the old one or the new one, whole. Nothing else may have
    the file open. `checkpoint(name)` is called at "exported" and "swapped" (tests stop there)."""
    converting = path.with_name(f"{path.name}.converting")
    for leftover in (converting, Path(f"{converting}-journal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    os.close(os.open(converting, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE))
    conn = raw_connection(path, source_key)
    try:
        # Everything into the main file, so the copy is complete and no WAL outlives the swap.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        version = user_version(conn)
        conn.execute("ATTACH DATABASE ? AS converted KEY ?",
                     (str(converting), target_key.pragma_value() if target_key else ""))
        if target_key is not None:
            for setting in CIPHER_SETTINGS:
                conn.execute(f"PRAGMA converted.{setting}")
        total = max(path.stat().st_size, 1)
        conn.set_progress_handler(lambda: _report(converting, total, progress), 20_000)
        conn.execute("SELECT sqlcipher_export('converted')").fetchone()
        conn.set_progress_handler(None, 0)
        conn.execute(f"PRAGMA converted.user_version = {version}")
        _compare_counts(conn, path)
        conn.execute("DETACH DATABASE converted")
    finally:
        conn.close()
    check = raw_connection(converting, target_key)
    try:
        if check.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise HearthError(f"The converted copy of {path.name} failed its check; the original is unchanged.")
        check.execute("PRAGMA journal_mode = WAL").fetchone()
    finally:
        check.close()
    with open(converting, "rb") as handle:
        os.fsync(handle.fileno())
    progress(1.0)
    checkpoint("exported")
    for suffix in ("-wal", "-shm"):  # empty after the checkpoint; never to be replayed on the new file
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
    os.replace(converting, path)
    sync_folder(path.parent)
    checkpoint("swapped")


def _report(target: Path, total: int, progress: Callable[[float], None]) -> int:
    with contextlib.suppress(OSError):
        progress(min(target.stat().st_size / total, 0.99))
    return 0  # go on


def _compare_counts(conn: sqlite3.Connection, path: Path) -> None:
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        before = conn.execute(f"SELECT count(*) FROM main.{quoted}").fetchone()[0]
        after = conn.execute(f"SELECT count(*) FROM converted.{quoted}").fetchone()[0]
        if before != after:
            raise HearthError(f"Converting {path.name} copied {after} of {before} rows of {table}; "
                              "the original is unchanged.")
