"""Encrypting both databases in place, unlocking, locking and decrypting, with real SQLCipher files."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import keyring
import pytest

from desktop import sqlite_file
from desktop.chats import ChatStore, StoreError, database_path
from desktop.documents import DocumentIndex, IndexStoreError
from desktop.logs import configure_file_logging
from desktop.paths import AppPaths
from desktop.privacy import (
    KeychainUnavailableError,
    LockedError,
    Privacy,
    PrivacyError,
    WrongPassphraseError,
    strength,
)
from tests.fixtures.keyrings import MemoryKeyring
from tests.unit.desktop.privacy.conftest import PASSPHRASE, SECRET, files_containing


def _fingerprints(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _chat_search(paths: AppPaths) -> int:
    with ChatStore(database_path(paths)) as store:
        return len(store.search(SECRET))


def test_encrypted_files_hold_no_plaintext_and_search_still_works(privacy: Privacy, filled: AppPaths) -> None:
    assert files_containing(filled.data, SECRET)  # the test can fail: plain files show it
    progress: list[float] = []
    privacy.encrypt(PASSPHRASE, progress=lambda fraction, _text: progress.append(fraction))
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert files_containing(filled.data, SECRET) == []
    assert all(sqlite_file.is_encrypted(path) for path in privacy.databases)
    assert _chat_search(filled) == 50
    # Writing while open: the WAL holds only encrypted pages too.
    with ChatStore(database_path(filled)) as store:
        conversation = store.create_conversation("later")
        store.add_message(conversation.id, "user", f"new {SECRET}")
        assert Path(f"{store.path}-wal").stat().st_size > 0
        assert files_containing(filled.data, SECRET) == []
        assert store._conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
        assert store._conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    with DocumentIndex.open(filled) as index:
        assert SECRET in index.conn.execute("SELECT text FROM chunks").fetchone()[0]
    assert files_containing(filled.data, SECRET) == []


def test_a_new_process_needs_the_passphrase(privacy: Privacy, filled: AppPaths) -> None:
    privacy.encrypt(PASSPHRASE)
    again = Privacy(filled)
    again.prepare()
    assert again.needs_passphrase
    with pytest.raises(StoreError, match="locked"):
        ChatStore(database_path(filled))
    with pytest.raises(IndexStoreError, match="locked"):
        DocumentIndex.open(filled)
    before = _fingerprints(filled.data)
    with pytest.raises(WrongPassphraseError, match=r"does not unlock.*Nothing was changed"):
        again.unlock("correct horse battery stapler")
    with pytest.raises(LockedError):
        again.unlock(None)
    assert _fingerprints(filled.data) == before
    assert sqlite_file.is_locked()
    again.unlock(PASSPHRASE)
    assert _chat_search(filled) == 50


def test_a_store_opened_with_another_key_says_so(privacy: Privacy, filled: AppPaths) -> None:
    privacy.encrypt(PASSPHRASE)
    sqlite_file.use_key(sqlite_file.DatabaseKey.generate())
    with pytest.raises(StoreError, match="encrypted with another key"):
        ChatStore(database_path(filled))


def test_lock_closes_nothing_open_but_refuses_new_opens(privacy: Privacy, filled: AppPaths) -> None:
    with pytest.raises(PrivacyError, match="not encrypted"):
        privacy.lock()
    privacy.encrypt(PASSPHRASE)
    store = ChatStore(database_path(filled))
    privacy.lock()
    store.suspend()
    with pytest.raises(StoreError):
        store.list_conversations()
    with pytest.raises(StoreError, match="locked"):
        store.resume()
    privacy.unlock(PASSPHRASE)
    store.resume()
    assert len(store.search(SECRET)) == 50
    store.close()


def test_decrypting_gives_plain_files_and_removes_the_key(privacy: Privacy, filled: AppPaths) -> None:
    privacy.encrypt(PASSPHRASE)
    privacy.decrypt()
    assert privacy.status().protection == "off"
    assert not privacy.key_file.exists() and not privacy.state_file.exists()
    assert not any(sqlite_file.is_encrypted(path) for path in privacy.databases)
    Privacy(filled).prepare()
    assert _chat_search(filled) == 50
    with pytest.raises(PrivacyError, match="not encrypted"):
        privacy.decrypt()


def test_encrypting_twice_is_refused(privacy: Privacy) -> None:
    privacy.encrypt(PASSPHRASE)
    with pytest.raises(PrivacyError, match="already encrypted"):
        privacy.encrypt("another passphrase here")


def test_the_keychain_keeps_a_random_key(privacy: Privacy, filled: AppPaths, memory_keyring: MemoryKeyring) -> None:
    privacy.encrypt(use_keychain=True)
    [(service, _entry)] = memory_keyring.entries
    assert service == "Hearth"
    assert len(bytes.fromhex(next(iter(memory_keyring.entries.values())))) == 32
    assert not privacy.key_file.exists()
    sqlite_file.lock()
    again = Privacy(filled)
    again.prepare()  # no passphrase to ask: the keychain unlocks at start
    assert not again.needs_passphrase
    assert _chat_search(filled) == 50
    again.decrypt()
    assert memory_keyring.entries == {}


@pytest.mark.usefixtures("failing_keyring")
def test_a_failing_keychain_changes_nothing_and_says_to_use_a_passphrase(privacy: Privacy, filled: AppPaths) -> None:
    before = _fingerprints(filled.data)
    with pytest.raises(KeychainUnavailableError, match="choose a passphrase instead"):
        privacy.encrypt(use_keychain=True)
    assert _fingerprints(filled.data) == before
    assert privacy.status().protection == "off"
    privacy.encrypt(PASSPHRASE)  # the fallback the message offers
    assert files_containing(filled.data, SECRET) == []


def test_no_keychain_service_at_all_is_unavailable(privacy: Privacy) -> None:
    from keyring.backends.fail import Keyring as NoKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        with pytest.raises(KeychainUnavailableError, match="no keychain"):
            privacy.encrypt(use_keychain=True)
    finally:
        keyring.set_keyring(previous)


def test_a_keychain_that_lost_the_key_says_so(privacy: Privacy, filled: AppPaths,
                                               memory_keyring: MemoryKeyring) -> None:
    privacy.encrypt(use_keychain=True)
    memory_keyring.entries.clear()
    with pytest.raises(KeychainUnavailableError, match="not in this computer's keychain"):
        Privacy(filled).prepare()
    assert sqlite_file.is_locked()


def test_forget_everything(privacy: Privacy, filled: AppPaths, memory_keyring: MemoryKeyring) -> None:
    privacy.encrypt(use_keychain=True)
    log_path = configure_file_logging(filled.logs)
    logging.getLogger("test").warning("before forgetting")
    (filled.cache / "thumbs").mkdir()
    (filled.cache / "thumbs" / "x.bin").write_bytes(b"cached")
    removed = privacy.forget_everything()
    assert database_path(filled) in removed
    assert memory_keyring.entries == {}
    assert not privacy.state_file.exists()
    assert log_path in removed
    assert list(filled.logs.iterdir()) == [] and list(filled.cache.iterdir()) == []
    logging.getLogger("test").warning("after forgetting")
    try:
        assert "after forgetting" in log_path.read_text() and "before" not in log_path.read_text()
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "baseFilename", None) == str(log_path):
                logging.getLogger().removeHandler(handler)
                handler.close()
    assert filled.models.is_dir()  # models stay
    with ChatStore(database_path(filled)) as store:
        assert store.list_conversations() == []


def test_passphrase_strength_hints() -> None:
    assert not strength("short").acceptable
    assert strength("aaaaaaaaaaaaaaaa").score <= 1
    assert strength("password1").score <= 2
    assert strength("correct horse battery staple").score >= 3
