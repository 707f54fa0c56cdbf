"""The file itself: private modes, schema versions and migrations, files that are not ours."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.chats import ChatStore, StoreError, schema

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


@pytest.fixture(params=[0o000, 0o277], ids=["umask-000", "umask-277"])
def any_umask(request: pytest.FixtureRequest) -> Iterator[None]:
    """Modes must not depend on the umask: 000 would leave defaults open to all, 277 would take
    away the user's own write bit."""
    previous = os.umask(request.param)
    try:
        yield
    finally:
        os.umask(previous)


@posix_only
@pytest.mark.usefixtures("any_umask")
def test_folders_and_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "outer" / "inner" / "chats.sqlite3"
    with ChatStore(path) as store:
        store.create_conversation("secret")
        assert mode(tmp_path / "outer") == 0o700
        assert mode(tmp_path / "outer" / "inner") == 0o700
        assert mode(path) == 0o600
        assert mode(f"{path}-wal") == 0o600
        assert mode(f"{path}-shm") == 0o600


@posix_only
@pytest.mark.usefixtures("any_umask")
def test_an_existing_loose_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    ChatStore(path).close()
    os.chmod(path, 0o644)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").touch(mode=0o644)
    with ChatStore(path):
        assert mode(path) == 0o600
        assert mode(f"{path}-wal") == 0o600
        assert mode(f"{path}-shm") == 0o600


def test_pragmas(store: ChatStore, db_path: Path) -> None:
    store.create_conversation()
    conn = raw(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    finally:
        conn.close()
    # synchronous and foreign_keys are per connection: ask the store's own.
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert store._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_version_0_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    conn = raw(path)
    conn.execute("CREATE TABLE scratch (x)")
    conn.execute("DROP TABLE scratch")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    conn.close()
    with ChatStore(path) as store:
        conversation = store.create_conversation("migrated")
        store.add_message(conversation.id, "user", "searchable after migration")
        assert store.search("migration")[0].conversation_id == conversation.id
    conn = raw(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    finally:
        conn.close()


def test_migrations_run_in_order_each_once(store: ChatStore, db_path: Path) -> None:
    def add_pinned(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")

    steps = [*schema.MIGRATIONS, add_pinned]
    conn = raw(db_path)
    try:
        assert schema.migrate(conn, "test", steps) == schema.SCHEMA_VERSION
        assert schema.migrate(conn, "test", steps) == schema.SCHEMA_VERSION + 1  # nothing left to run
        columns = [row[1] for row in conn.execute("PRAGMA table_info(conversations)")]
        assert columns.count("pinned") == 1
    finally:
        conn.close()


def test_a_failing_migration_leaves_the_previous_version(store: ChatStore, db_path: Path) -> None:
    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("bug in migration")

    conn = raw(db_path)
    try:
        with pytest.raises(RuntimeError, match="bug in migration"):
            schema.migrate(conn, "test", [*schema.MIGRATIONS, broken])
        assert schema.user_version(conn) == schema.SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_file_from_a_newer_hearth_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    ChatStore(path).close()
    conn = raw(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match=r"newer version of Hearth .*Update Hearth"):
        ChatStore(path)
    conn = raw(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION + 1
    finally:
        conn.close()


def test_a_file_that_is_not_a_database_gives_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    garbage = b"these are my notes, not a database\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(StoreError, match="is not a Hearth chat database") as raised:
        ChatStore(path)
    assert "\n" not in str(raised.value)
    assert path.read_bytes() == garbage


def test_a_folder_in_the_way_gives_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    path.mkdir()
    with pytest.raises(StoreError, match="Cannot create the chat database"):
        ChatStore(path)


def test_a_store_belongs_to_the_thread_that_opened_it(store: ChatStore) -> None:
    errors: list[BaseException] = []

    def use() -> None:
        try:
            store.list_conversations()
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=use)
    worker.start()
    worker.join()
    assert len(errors) == 1 and isinstance(errors[0], StoreError)
    assert "thread" in str(errors[0])


def test_closing_twice_is_harmless(db_path: Path) -> None:
    store = ChatStore(db_path)
    store.close()
    store.close()
    with pytest.raises(StoreError):
        store.list_conversations()
