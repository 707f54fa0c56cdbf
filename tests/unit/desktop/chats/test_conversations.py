from __future__ import annotations

from pathlib import Path

import pytest

from desktop.chats import PURGE_AFTER_S, ChatStore, NotFoundError, StoreError
from tests.unit.desktop.chats.conftest import FakeClock


def test_create_and_get_round_trip(store: ChatStore) -> None:
    settings = {"temperature": 0.2, "top_p": 0.9, "top_k": 40, "seed": 7, "context_length": 4096}
    created = store.create_conversation("Trip plans", "Answer in French.", settings, "llama-3.2-3b")
    fetched = store.get_conversation(created.id)
    assert fetched == created
    assert (fetched.title, fetched.system_prompt, fetched.settings, fetched.model) == (
        "Trip plans",
        "Answer in French.",
        settings,
        "llama-3.2-3b",
    )
    assert fetched.current_leaf_id is None


def test_defaults(store: ChatStore) -> None:
    conversation = store.create_conversation()
    assert (conversation.title, conversation.system_prompt, conversation.settings, conversation.model) == (
        "New chat",
        "",
        {},
        None,
    )


def test_list_is_newest_activity_first(store: ChatStore, clock: FakeClock) -> None:
    first = store.create_conversation("first")
    clock.advance(10)
    second = store.create_conversation("second")
    clock.advance(10)
    third = store.create_conversation("third")
    assert [c.title for c in store.list_conversations()] == ["third", "second", "first"]
    clock.advance(10)
    store.add_message(first.id, "user", "back to this one")
    assert [c.id for c in store.list_conversations()] == [first.id, third.id, second.id]
    assert store.get_conversation(first.id).updated_at == clock.now


def test_update_changes_only_given_fields(store: ChatStore, clock: FakeClock) -> None:
    conversation = store.create_conversation("Old", "Be brief.", {"temperature": 0.7}, "model-a")
    clock.advance(60)
    renamed = store.update_conversation(conversation.id, title="  New\n name ")
    assert renamed.title == "New name"
    assert (renamed.system_prompt, renamed.settings, renamed.model) == ("Be brief.", {"temperature": 0.7}, "model-a")
    # Renaming is not activity: the sidebar order stays.
    assert renamed.updated_at == conversation.updated_at
    updated = store.update_conversation(
        conversation.id, system_prompt="", settings={"temperature": 0.1, "max_tokens": 256}, model="model-b"
    )
    assert (updated.title, updated.system_prompt, updated.settings, updated.model) == (
        "New name",
        "",
        {"temperature": 0.1, "max_tokens": 256},
        "model-b",
    )
    assert store.get_conversation(conversation.id) == updated


def test_unknown_ids_raise_not_found(store: ChatStore) -> None:
    with pytest.raises(NotFoundError, match="Conversation 999"):
        store.get_conversation(999)
    with pytest.raises(NotFoundError):
        store.update_conversation(999, title="x")
    with pytest.raises(NotFoundError):
        store.delete_conversation(999)
    with pytest.raises(NotFoundError, match="Message 999"):
        store.get_message(999)
    with pytest.raises(NotFoundError):
        store.add_message(999, "user", "hello")
    assert issubclass(NotFoundError, StoreError)


def test_delete_hides_and_restore_brings_back(store: ChatStore) -> None:
    keep = store.create_conversation("keep")
    gone = store.create_conversation("gone")
    message = store.add_message(gone.id, "user", "a message in a deleted chat")
    store.delete_conversation(gone.id)
    assert [c.id for c in store.list_conversations()] == [keep.id]
    # Still readable for the undo notice, and not yet purged.
    assert store.get_conversation(gone.id).title == "gone"
    assert store.get_message(message.id).content == "a message in a deleted chat"
    store.restore_conversation(gone.id)
    assert [c.id for c in store.list_conversations()] == [gone.id, keep.id]
    assert store.thread(gone.id) == [message]


def test_purge_removes_deleted_for_good(store: ChatStore, clock: FakeClock) -> None:
    old = store.create_conversation("old")
    old_message = store.add_message(old.id, "user", "first")
    store.add_message(old.id, "assistant", "answer")
    recent = store.create_conversation("recent")
    alive = store.create_conversation("alive")
    store.delete_conversation(old.id)
    clock.advance(3600)
    store.delete_conversation(recent.id)
    clock.advance(60)
    assert store.purge_deleted(older_than_s=600) == 1
    with pytest.raises(NotFoundError):
        store.get_conversation(old.id)
    with pytest.raises(NotFoundError):
        store.get_message(old_message.id)
    with pytest.raises(NotFoundError, match="cannot be restored"):
        store.restore_conversation(old.id)
    store.restore_conversation(recent.id)
    store.delete_conversation(recent.id)
    assert store.purge_deleted() == 1
    assert [c.id for c in store.list_conversations()] == [alive.id]
    assert store.purge_deleted() == 0


def test_opening_purges_what_was_deleted_more_than_a_day_ago(db_path: Path, clock: FakeClock) -> None:
    with ChatStore(db_path, clock=clock) as store:
        day_old = store.create_conversation("day old")
        store.add_message(day_old.id, "user", "hello")
        store.delete_conversation(day_old.id)
        clock.advance(PURGE_AFTER_S - 120)
        hour_old = store.create_conversation("hour old")
        store.delete_conversation(hour_old.id)
    clock.advance(240)
    with ChatStore(db_path, clock=clock) as store:
        with pytest.raises(NotFoundError):
            store.get_conversation(day_old.id)
        store.restore_conversation(hour_old.id)
        assert [c.title for c in store.list_conversations()] == ["hour old"]


def test_count_messages_includes_alternatives(store: ChatStore) -> None:
    conversation = store.create_conversation()
    assert store.count_messages(conversation.id) == 0
    question = store.add_message(conversation.id, "user", "q")
    store.add_message(conversation.id, "assistant", "a1")
    store.add_message(conversation.id, "assistant", "a2", parent_id=question.id)
    assert store.count_messages(conversation.id) == 3


def test_data_survives_reopening(db_path: Path) -> None:
    with ChatStore(db_path) as store:
        conversation = store.create_conversation("persisted", settings={"seed": 1})
        store.add_message(conversation.id, "user", "still here?")
    with ChatStore(db_path) as store:
        assert store.list_conversations() == [store.get_conversation(conversation.id)]
        assert [m.content for m in store.thread(conversation.id)] == ["still here?"]
