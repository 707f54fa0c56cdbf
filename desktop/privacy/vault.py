"""Encryption of Hearth's chats and documents: which key protects them, unlocking, locking, and
converting both databases in place, both ways.

The databases are encrypted with one random 256-bit key (desktop/sqlite_file.py applies it).
The key is kept either in the OS keychain or in a key file behind the user's passphrase. What
protects the data is written in `privacy.json` in the data folder (no secret in it), so the
choice travels with the folder:

    {"protection": "passphrase" | "keychain", "keychain_entry": "...", "converting": "encrypt" | "decrypt"}

Conversion is atomic per database (sqlite_file.convert_file: a checked copy renamed over the
original) and resumable as a whole: the key is saved and `converting` recorded before the first
file changes, so killed anywhere, every file is whole (plain or encrypted, each says which by its
header) and the next unlock finishes the job in the same direction.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from desktop import sqlite_file
from desktop.chats import database_path as chats_database
from desktop.documents import database_path as documents_database
from desktop.paths import AppPaths
from desktop.privacy import keychain
from desktop.privacy.errors import LockedError, PrivacyError, WrongPassphraseError
from desktop.sqlite_file import DatabaseKey, WrongKeyError

log = logging.getLogger(__name__)

STATE_NAME = "privacy.json"
KEY_FILE_NAME = "privacy.key"
Protection = Literal["off", "passphrase", "keychain"]
Progress = Callable[[float, str], None]
# Tests kill the process at a named point of a conversion ("key-saved", "chats.sqlite3:exported",
# "chats.sqlite3:swapped", ..., "finishing") to prove that no point loses anything.
KILL_AT_VARIABLE = "HEARTH_TEST_KILL_AT"


@dataclass(frozen=True)
class DatabaseState:
    path: Path
    exists: bool
    encrypted: bool


@dataclass(frozen=True)
class PrivacyStatus:
    protection: Protection
    locked: bool
    databases: tuple[DatabaseState, ...]
    unfinished: str | None  # "encrypt" or "decrypt" when a conversion was interrupted

    def describe(self) -> str:
        if self.protection == "off":
            if any(d.encrypted for d in self.databases):
                return "Encryption is off, but a database is still encrypted: run `hearth privacy decrypt`."
            return "Your chats and documents are not encrypted."
        where = "a passphrase" if self.protection == "passphrase" else "this computer's keychain"
        lines = [f"Your chats and documents are encrypted; the key is kept behind {where}."]
        if self.unfinished:
            lines.append(f"An interrupted {self.unfinished}ion will finish at the next unlock.")
        return " ".join(lines)


def _kill_point(name: str) -> None:
    if os.environ.get(KILL_AT_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)


class Privacy:
    """One data folder's encryption. Convert only while nothing else has the databases open."""

    def __init__(self, paths: AppPaths) -> None:
        self.paths = paths
        self.state_file = paths.data / STATE_NAME
        self.key_file = paths.data / KEY_FILE_NAME

    @property
    def databases(self) -> tuple[Path, ...]:
        return chats_database(self.paths), documents_database(self.paths.data)

    # -- state ------------------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise PrivacyError(f"{self.state_file} is unreadable ({exc}); Hearth cannot tell how your chats are "
                               "protected.") from exc
        return state if isinstance(state, dict) else {}

    def _write_state(self, state: dict[str, Any] | None) -> None:
        if state is None:
            with contextlib.suppress(FileNotFoundError):
                self.state_file.unlink()
            sqlite_file.sync_folder(self.state_file.parent)
            return
        self.paths.data.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.state_file.with_name(f"{STATE_NAME}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.state_file)
        sqlite_file.sync_folder(self.state_file.parent)

    @property
    def protection(self) -> Protection:
        value = self._state().get("protection")
        return value if value in ("passphrase", "keychain") else "off"

    def status(self) -> PrivacyStatus:
        state = self._state()
        return PrivacyStatus(
            self.protection,
            sqlite_file.is_locked(),
            tuple(DatabaseState(path, path.exists(), sqlite_file.is_encrypted(path)) for path in self.databases),
            state.get("converting"),
        )

    @property
    def needs_passphrase(self) -> bool:
        return self.protection == "passphrase" and sqlite_file.current_key() is None

    # -- opening ----------------------------------------------------------------------------

    def prepare(self) -> None:
        """At start: plain files open as they are; keychain-protected ones are unlocked now; with
        a passphrase, everything stays locked until `unlock(passphrase)`."""
        protection = self.protection
        if protection == "off":
            sqlite_file.use_key(None)
        elif protection == "keychain":
            sqlite_file.lock()
            self.unlock()
        else:
            sqlite_file.lock()

    def unlock(self, passphrase: str | None = None, progress: Progress | None = None) -> None:
        """Give this process the key (from the keychain, or behind `passphrase`); a wrong one is
        WrongPassphraseError and changes nothing. Finishes an interrupted conversion."""
        state = self._state()
        protection = self.protection
        if protection == "off":
            sqlite_file.use_key(None)
            return
        if protection == "keychain":
            key = keychain.load(str(state.get("keychain_entry", "")))
        else:
            if not passphrase:
                raise LockedError("Your chats are encrypted: enter your passphrase to unlock them.")
            try:
                key = sqlite_file.read_key_file(self.key_file, passphrase)
            except WrongKeyError as exc:
                raise WrongPassphraseError(f"{exc} Nothing was changed.") from exc
        sqlite_file.use_key(key)
        if state.get("converting"):
            self._finish(state, key, progress or (lambda _f, _t: None))

    def lock(self) -> None:
        """Forget the key: nothing opens until `unlock`. Close the stores first."""
        if self.protection == "off":
            raise PrivacyError("Your chats are not encrypted, so there is nothing to lock: encrypt them first.")
        sqlite_file.lock()

    # -- converting -------------------------------------------------------------------------

    def encrypt(self, passphrase: str | None = None, use_keychain: bool = False, progress: Progress | None = None
                ) -> None:
        """Encrypt both databases with a new random key kept in the keychain (`use_keychain`) or
        behind `passphrase`. Close every store first. KeychainUnavailableError: nothing changed."""
        if self.protection != "off":
            raise PrivacyError("Your chats and documents are already encrypted.")
        if not use_keychain and not passphrase:
            raise PrivacyError("Choose a passphrase, or keep the key in this computer's keychain.")
        if sqlite_file.is_locked():
            raise LockedError("Unlock Hearth before changing its encryption.")
        key = DatabaseKey.generate()
        state: dict[str, Any] = {"protection": "keychain" if use_keychain else "passphrase", "converting": "encrypt"}
        if use_keychain:
            state["keychain_entry"] = f"database key {uuid.uuid4()}"
            keychain.store(state["keychain_entry"], key)
        else:
            assert passphrase is not None
            self.paths.data.mkdir(parents=True, exist_ok=True, mode=0o700)
            sqlite_file.write_key_file(self.key_file, passphrase, key)
        self._write_state(state)
        _kill_point("key-saved")
        sqlite_file.use_key(key)
        self._finish(state, key, progress or (lambda _f, _t: None))

    def decrypt(self, progress: Progress | None = None) -> None:
        """Turn both databases back into plain files and remove the key. Unlock first; close
        every store first."""
        state = self._state()
        if self.protection == "off":
            raise PrivacyError("Your chats and documents are not encrypted.")
        key = sqlite_file.current_key()
        if key is None:
            raise LockedError("Unlock Hearth before turning encryption off.")
        state["converting"] = "decrypt"
        self._write_state(state)
        self._finish(state, key, progress or (lambda _f, _t: None))

    def _finish(self, state: dict[str, Any], key: DatabaseKey, progress: Progress) -> None:
        encrypting = state.get("converting") == "encrypt"
        todo = [path for path in self.databases
                if path.exists() and path.stat().st_size and sqlite_file.is_encrypted(path) != encrypting]
        sizes = [max(path.stat().st_size, 1) for path in todo]
        total, done = sum(sizes) or 1, 0
        verb = "Encrypting" if encrypting else "Decrypting"
        for path, size in zip(todo, sizes, strict=True):
            text = f"{verb} {path.name}…"
            progress(done / total, text)

            def file_progress(fraction: float, start: int = done, size: int = size, text: str = text) -> None:
                progress((start + fraction * size) / total, text)

            def checkpoint(point: str, name: str = path.name) -> None:
                _kill_point(f"{name}:{point}")

            sqlite_file.convert_file(path, None if encrypting else key, key if encrypting else None,
                                     progress=file_progress, checkpoint=checkpoint)
            done += size
        _kill_point("finishing")
        if encrypting:
            self._write_state({k: v for k, v in state.items() if k != "converting"})
        else:
            self._remove_key(state)
            self._write_state(None)
            sqlite_file.use_key(None)
        progress(1.0, "Done.")
        log.info("%s finished for %d database(s)", verb, len(todo))

    def _remove_key(self, state: dict[str, Any]) -> None:
        if state.get("keychain_entry"):
            keychain.delete(str(state["keychain_entry"]))
        _overwrite_and_remove(self.key_file)

    # -- forgetting -------------------------------------------------------------------------

    def forget_everything(self) -> list[Path]:
        """Remove the databases (and their damaged or half-converted copies), the key (file and
        keychain), the log and the caches. Close every store first. Returns what was removed."""
        state = self._state()
        removed: list[Path] = []
        for database in self.databases:
            for path in sorted(database.parent.glob(f"{database.name}*")):
                if path.is_file():
                    _overwrite_and_remove(path)
                    removed.append(path)
        self._remove_key(state)
        for path in (self.key_file, self.state_file):
            if path.exists():
                _overwrite_and_remove(path)
                removed.append(path)
        for folder in (self.paths.logs, self.paths.cache):
            for path in sorted(folder.rglob("*"), reverse=True) if folder.is_dir() else []:
                if path.is_file() or path.is_symlink():
                    path.unlink()
                    removed.append(path)
                elif path.is_dir():
                    with contextlib.suppress(OSError):
                        path.rmdir()
        _reopen_log_files(self.paths.logs)
        sqlite_file.use_key(None)
        return removed


def _reopen_log_files(logs: Path) -> None:
    """The window's log handler still holds the removed file: later lines go to a new one."""
    for handler in logging.getLogger().handlers:
        name = getattr(handler, "baseFilename", None)
        if isinstance(handler, logging.FileHandler) and name and Path(name).parent == logs:
            handler.close()  # a FileHandler in append mode opens its file again at the next line


def _overwrite_and_remove(path: Path) -> None:
    """Zeros over a file before unlinking it: on disks that write in place, the text is gone;
    on SSDs and copy-on-write file systems only encryption protects what was there."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            for start in range(0, size, 1 << 20):
                handle.write(b"\x00" * min(1 << 20, size - start))
            handle.flush()
            os.fsync(handle.fileno())
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("Could not overwrite %s before removing it: %s", path.name, exc)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
