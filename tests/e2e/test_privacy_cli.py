"""`hearth privacy ...` as a user runs it, and conversions killed with SIGKILL at every named point:
each database is always whole (the old file or the new one) and nothing is lost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import sqlite_file
from desktop.chats import ChatStore, database_path
from desktop.documents import DocumentIndex
from desktop.paths import AppPaths
from desktop.privacy import KILL_AT_VARIABLE
from desktop.privacy.vault import KEY_FILE_NAME
from tests.fixtures.keyrings import FILE_VARIABLE

HEARTH = shutil.which("hearth", path=str(Path(sys.executable).parent)) or "hearth"
PASSPHRASE = "correct horse battery staple"
SECRET = "wombatsecret4417"
MESSAGES = 120


def hearth(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARTH, *args], capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
                          env={**os.environ, **env})


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase.txt"
    path.write_text(PASSPHRASE + "\n")
    return path


@pytest.fixture
def data(tmp_path: Path) -> AppPaths:
    paths = AppPaths.default().create()
    with ChatStore(database_path(paths)) as store:
        conversation = store.create_conversation("Kept")
        for number in range(MESSAGES):
            store.add_message(conversation.id, "user", f"{SECRET} message {number} " + "text " * 40)
    notes = tmp_path / "notes"
    notes.mkdir()
    for number in range(5):
        (notes / f"note{number}.txt").write_text(f"Note {number} about {SECRET}.\n" * 30)
    added = hearth("docs", "add", str(notes), "--keyword-only")
    assert added.returncode == 0, added.stderr
    return paths


def _contents(paths: AppPaths) -> tuple[int, int]:
    """Messages and chunks, each file opened as it is (plain, or with the key behind the passphrase)."""
    key_file = paths.data / KEY_FILE_NAME
    counts = []
    for path, table in ((database_path(paths), "messages"), (paths.data / "documents.sqlite3", "chunks")):
        key = sqlite_file.read_key_file(key_file, PASSPHRASE) if sqlite_file.is_encrypted(path) else None
        conn = sqlite_file.raw_connection(path, key)
        try:
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            counts.append(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            conn.close()
    return counts[0], counts[1]


def _all_encrypted(paths: AppPaths) -> list[bool]:
    return [sqlite_file.is_encrypted(p) for p in (database_path(paths), paths.data / "documents.sqlite3")]


POINTS = ["chats.sqlite3:exported", "chats.sqlite3:swapped", "documents.sqlite3:exported",
          "documents.sqlite3:swapped", "finishing"]


@pytest.mark.slow
def test_kill_9_anywhere_in_a_conversion_loses_nothing(data: AppPaths, passphrase_file: Path) -> None:
    expected = _contents(data)
    assert expected[0] == MESSAGES and expected[1] > 0
    env = {"HEARTH_PASSPHRASE_FILE": str(passphrase_file)}
    for point in ["key-saved", *POINTS]:
        killed = hearth("privacy", "encrypt", **env, **{KILL_AT_VARIABLE: point})
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        assert _contents(data) == expected, point
        # The next command that unlocks finishes the job.
        listed = hearth("docs", "list", **env)
        assert listed.returncode == 0, (point, listed.stderr)
        assert _all_encrypted(data) == [True, True], point
        assert _contents(data) == expected, point
        decrypted = hearth("privacy", "decrypt", **env, **{KILL_AT_VARIABLE: point if point != "key-saved" else ""})
        if point == "key-saved":
            assert decrypted.returncode == 0, decrypted.stderr
        else:
            assert decrypted.returncode == -signal.SIGKILL, (point, decrypted.stderr)
            assert _contents(data) == expected, point
            finished = hearth("privacy", "decrypt", **env)
            assert finished.returncode == 0, (point, finished.stderr)
        assert _all_encrypted(data) == [False, False], point
        assert _contents(data) == expected, point
        assert not any(p.name.endswith(".converting") for p in data.data.iterdir())


def test_status_encrypt_wrong_passphrase_and_decrypt(data: AppPaths, passphrase_file: Path, tmp_path: Path) -> None:
    status = hearth("privacy", "status")
    assert status.returncode == 0 and "not encrypted" in status.stdout
    without = hearth("privacy", "encrypt")
    assert without.returncode == 1 and "HEARTH_PASSPHRASE_FILE" in without.stderr
    weak = tmp_path / "weak.txt"
    weak.write_text("abc")
    refused = hearth("privacy", "encrypt", HEARTH_PASSPHRASE_FILE=str(weak))
    assert refused.returncode == 1 and "Too short" in refused.stderr
    encrypted = hearth("privacy", "encrypt", HEARTH_PASSPHRASE_FILE=str(passphrase_file))
    assert encrypted.returncode == 0, encrypted.stderr
    assert "strength" in encrypted.stderr
    status = hearth("privacy", "status", "--json")
    assert '"protection": "passphrase"' in status.stdout

    locked = hearth("docs", "search", SECRET)
    assert locked.returncode == 1
    assert "encrypted with a passphrase" in locked.stderr and "Traceback" not in locked.stderr
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase at all")
    before = {p.name: p.read_bytes() for p in data.data.iterdir() if p.is_file()}
    refused = hearth("docs", "search", SECRET, HEARTH_PASSPHRASE_FILE=str(wrong))
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "does not unlock" in refused.stderr and "Nothing was changed" in refused.stderr
    assert {p.name: p.read_bytes() for p in data.data.iterdir() if p.is_file()} == before
    found = hearth("docs", "search", SECRET, HEARTH_PASSPHRASE_FILE=str(passphrase_file))
    assert found.returncode == 0 and SECRET in found.stdout

    decrypted = hearth("privacy", "decrypt", HEARTH_PASSPHRASE_FILE=str(passphrase_file))
    assert decrypted.returncode == 0, decrypted.stderr
    assert hearth("docs", "search", SECRET).returncode == 0


def test_keychain_and_its_fallback(data: AppPaths, passphrase_file: Path, tmp_path: Path) -> None:
    unavailable = hearth("privacy", "encrypt", "--keychain", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    assert unavailable.returncode == 1 and "choose a passphrase instead" in unavailable.stderr
    assert _all_encrypted(data) == [False, False]
    fallback = hearth("privacy", "encrypt", "--keychain", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
                      HEARTH_PASSPHRASE_FILE=str(passphrase_file))
    assert fallback.returncode == 0, fallback.stderr
    assert "Falling back to a passphrase" in fallback.stderr
    assert hearth("privacy", "decrypt", HEARTH_PASSPHRASE_FILE=str(passphrase_file)).returncode == 0

    keychain = {"PYTHON_KEYRING_BACKEND": "tests.fixtures.keyrings.FileKeyring",
                FILE_VARIABLE: str(tmp_path / "keyring.json"), "PYTHONPATH": str(Path(__file__).parents[2])}
    assert hearth("privacy", "encrypt", "--keychain", **keychain).returncode == 0
    assert _all_encrypted(data) == [True, True]
    found = hearth("docs", "search", SECRET, **keychain)  # no passphrase: the keychain opens it
    assert found.returncode == 0 and SECRET in found.stdout
    assert hearth("privacy", "forget", **keychain).returncode == 1  # asks for --yes without a terminal
    forgotten = hearth("privacy", "forget", "--yes", **keychain)
    assert forgotten.returncode == 0, forgotten.stderr
    assert (tmp_path / "keyring.json").read_text() == "{}"
    assert not database_path(data).exists()
    with DocumentIndex.open(data) as index:
        assert index.collections() == []
