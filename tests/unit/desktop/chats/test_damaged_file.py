"""A chat database that SQLite calls damaged is never written again (issue 12, item 14): not by
the operation that found it, not by closing (`PRAGMA optimize`), not by reopening; it can be
moved aside, kept for recovery, and a fresh one starts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from desktop.chats import ChatStore, DamagedStoreError, StoreError
from desktop.sqlite_file import move_aside, sqlite3

PAGE = 4096


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _damaged_database(path: Path) -> int:
    """A database whose messages' pages are garbage, its header and schema intact."""
    with ChatStore(path) as store:
        conversation = store.create_conversation("Damaged")
        for number in range(400):
            store.add_message(conversation.id, "user", f"message {number} " + "words " * 60)
        conversation_id = conversation.id
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    pages = len(data) // PAGE
    for page in range(pages // 3, pages - 2):  # leaves page 1 (header, schema) alone
        data[page * PAGE + 8: page * PAGE + 200] = b"\xa5" * 192
    path.write_bytes(bytes(data))
    return conversation_id


def test_closing_after_a_damage_report_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    conversation_id = _damaged_database(path)
    before = _fingerprint(path)
    store = ChatStore(path)
    with pytest.raises(DamagedStoreError, match=r"damaged.*move it aside") as raised:
        store.thread(conversation_id)
        store.search("words")
    assert "\n" not in str(raised.value)
    assert store.damaged
    with pytest.raises(StoreError):
        store.create_conversation("written into a damaged file")
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    store.close()
    assert not [s for s in statements if "optimize" in s.lower()], "closing wrote into a damaged file"
    assert _fingerprint(path) == before
    assert not Path(f"{path}-wal").exists()


def test_a_damaged_file_moves_aside_and_a_fresh_one_starts(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    _damaged_database(path)
    before = _fingerprint(path)
    aside = move_aside(path)
    assert aside.name == "chats.sqlite3.damaged-1"
    assert _fingerprint(aside) == before
    with ChatStore(path) as store:
        assert store.list_conversations() == []
        store.create_conversation("fresh")
    assert move_aside(path).name == "chats.sqlite3.damaged-2"
