"""Messages as a tree: edits and regenerations are siblings; the thread is the path to the leaf."""

from __future__ import annotations

import pytest

from desktop.chats import ChatStore, Conversation, NotFoundError, StoreError
from tests.unit.desktop.chats.conftest import FakeClock


def contents(store: ChatStore, conversation: Conversation) -> list[str]:
    return [message.content for message in store.thread(conversation.id)]


def test_messages_chain_under_the_current_leaf(store: ChatStore, clock: FakeClock) -> None:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, "user", "What is 2 + 2?")
    clock.advance(1)
    answer = store.add_message(
        conversation.id,
        "assistant",
        "4",
        model="tiny",
        settings={"temperature": 0},
        stats={"generated_tokens": 1},
    )
    assert question.parent_id is None and answer.parent_id == question.id
    assert store.get_conversation(conversation.id).current_leaf_id == answer.id
    assert store.thread(conversation.id) == [question, answer]
    stored = store.get_message(answer.id)
    assert (stored.model, stored.settings, stored.stats, stored.status) == (
        "tiny",
        {"temperature": 0},
        {"generated_tokens": 1},
        "complete",
    )
    assert stored.created_at == question.created_at + 1


def test_editing_a_question_makes_an_alternative(store: ChatStore) -> None:
    conversation = store.create_conversation()
    first = store.add_message(conversation.id, "user", "Capital of France?")
    store.add_message(conversation.id, "assistant", "Paris.")
    follow_up = store.add_message(conversation.id, "user", "And of Spain?")
    store.add_message(conversation.id, "assistant", "Madrid.")

    edited = store.add_message(conversation.id, "user", "And of Italy?", parent_id=follow_up.parent_id)
    store.add_message(conversation.id, "assistant", "Rome.")
    assert contents(store, conversation) == ["Capital of France?", "Paris.", "And of Italy?", "Rome."]
    assert [m.id for m in store.alternatives(follow_up.id)] == [follow_up.id, edited.id]
    assert [m.id for m in store.alternatives(edited.id)] == [follow_up.id, edited.id]
    assert [m.id for m in store.alternatives(first.id)] == [first.id]


def test_editing_the_first_question_makes_a_root_alternative(store: ChatStore) -> None:
    conversation = store.create_conversation()
    first = store.add_message(conversation.id, "user", "Hi")
    store.add_message(conversation.id, "assistant", "Hello!")
    edited = store.add_message(conversation.id, "user", "Hi there", parent_id=None)
    assert contents(store, conversation) == ["Hi there"]
    assert [m.id for m in store.alternatives(first.id)] == [first.id, edited.id]


def test_regenerating_an_answer_makes_an_alternative(store: ChatStore) -> None:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, "user", "Tell a joke")
    first = store.add_message(conversation.id, "assistant", "joke one")
    second = store.add_message(conversation.id, "assistant", "joke two", parent_id=question.id)
    assert contents(store, conversation) == ["Tell a joke", "joke two"]
    assert [m.content for m in store.alternatives(first.id)] == ["joke one", "joke two"]
    # A user reply under an answer is not that answer's alternative: same parent only, same role only.
    store.add_message(conversation.id, "user", "another")
    assert [m.id for m in store.alternatives(second.id)] == [first.id, second.id]


def test_select_alternative_switches_the_thread(store: ChatStore) -> None:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, "user", "Q1")
    first = store.add_message(conversation.id, "assistant", "A1")
    store.add_message(conversation.id, "user", "Q2 after A1")
    store.add_message(conversation.id, "assistant", "A2 after A1")
    store.add_message(conversation.id, "assistant", "A1 regenerated", parent_id=question.id)
    assert contents(store, conversation) == ["Q1", "A1 regenerated"]

    thread = store.select_alternative(first.id)
    assert [m.content for m in thread] == ["Q1", "A1", "Q2 after A1", "A2 after A1"]
    assert thread == store.thread(conversation.id)
    # From a message with several children, the newest branch is followed down.
    assert [m.content for m in store.select_alternative(question.id)] == ["Q1", "A1 regenerated"]


def test_select_alternative_follows_the_newest_child_down(store: ChatStore) -> None:
    conversation = store.create_conversation()
    root = store.add_message(conversation.id, "user", "root")
    old = store.add_message(conversation.id, "assistant", "old answer")
    store.add_message(conversation.id, "user", "under old")
    new = store.add_message(conversation.id, "assistant", "new answer", parent_id=root.id)
    store.add_message(conversation.id, "user", "first under new")
    store.add_message(conversation.id, "user", "second under new", parent_id=new.id)
    store.select_alternative(old.id)
    assert contents(store, conversation)[-1] == "under old"
    assert [m.content for m in store.select_alternative(new.id)] == ["root", "new answer", "second under new"]


def test_alternative_positions_along_the_thread(store: ChatStore) -> None:
    conversation = store.create_conversation()
    assert store.alternative_positions(conversation.id) == {}
    question = store.add_message(conversation.id, "user", "Q")
    store.add_message(conversation.id, "assistant", "A1")
    second = store.add_message(conversation.id, "assistant", "A2", parent_id=question.id)
    store.add_message(conversation.id, "assistant", "A3", parent_id=question.id)
    follow_up = store.add_message(conversation.id, "user", "follow-up")
    assert store.alternative_positions(conversation.id) == {store.thread(conversation.id)[1].id: (3, 3)}
    store.select_alternative(second.id)
    store.add_message(conversation.id, "user", "asked under A2")
    edited = store.add_message(conversation.id, "user", "edited", parent_id=second.id)
    positions = store.alternative_positions(conversation.id)
    assert positions == {second.id: (2, 3), edited.id: (2, 2)}
    expected = {}
    for message in store.thread(conversation.id):
        ids = [m.id for m in store.alternatives(message.id)]
        if len(ids) > 1:
            expected[message.id] = (ids.index(message.id) + 1, len(ids))
    assert positions == expected
    assert follow_up.id not in positions


def test_parent_must_be_in_the_same_conversation(store: ChatStore) -> None:
    one = store.create_conversation()
    other = store.create_conversation()
    message = store.add_message(one.id, "user", "hello")
    with pytest.raises(StoreError, match="another conversation"):
        store.add_message(other.id, "assistant", "hi", parent_id=message.id)
    assert store.count_messages(other.id) == 0


def test_unknown_role_or_status_is_refused(store: ChatStore) -> None:
    conversation = store.create_conversation()
    with pytest.raises(ValueError, match="role"):
        store.add_message(conversation.id, "narrator", "Once upon a time")
    with pytest.raises(ValueError, match="status"):
        store.add_message(conversation.id, "user", "hi", status="done")
    assert store.count_messages(conversation.id) == 0


def test_thread_with_limit_returns_the_newest_messages(store: ChatStore) -> None:
    conversation = store.create_conversation()
    for index in range(10):
        store.add_message(conversation.id, "user" if index % 2 == 0 else "assistant", str(index))
    assert [m.content for m in store.thread(conversation.id, limit=3)] == ["7", "8", "9"]
    assert [m.content for m in store.thread(conversation.id, limit=50)] == [str(i) for i in range(10)]
    assert store.thread(conversation.id, limit=0) == []


def test_deleting_a_message_deletes_its_subtree_and_moves_the_leaf(store: ChatStore) -> None:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, "user", "Q")
    old = store.add_message(conversation.id, "assistant", "old")
    new = store.add_message(conversation.id, "assistant", "new", parent_id=question.id)
    reply = store.add_message(conversation.id, "user", "reply to new")
    answer = store.add_message(conversation.id, "assistant", "answer to reply")

    store.delete_message(new.id)
    for gone in (new, reply, answer):
        with pytest.raises(NotFoundError):
            store.get_message(gone.id)
    # The thread moves to the newest remaining branch under the deleted message's parent.
    assert [m.id for m in store.thread(conversation.id)] == [question.id, old.id]
    assert store.alternatives(old.id) == [store.get_message(old.id)]
    assert store.count_messages(conversation.id) == 2

    store.delete_message(question.id)
    assert store.thread(conversation.id) == []
    assert store.get_conversation(conversation.id).current_leaf_id is None
    assert store.count_messages(conversation.id) == 0


def test_deleting_a_branch_off_the_thread_keeps_the_thread(store: ChatStore) -> None:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, "user", "Q")
    old = store.add_message(conversation.id, "assistant", "old")
    store.add_message(conversation.id, "user", "more under old")
    middle = store.add_message(conversation.id, "assistant", "middle", parent_id=question.id)
    store.add_message(conversation.id, "assistant", "new", parent_id=question.id)
    store.select_alternative(old.id)
    before = store.thread(conversation.id)
    store.delete_message(middle.id)
    assert store.thread(conversation.id) == before
    assert [m.content for m in store.alternatives(old.id)] == ["old", "new"]


def test_deleting_a_root_moves_to_the_newest_remaining_root(store: ChatStore) -> None:
    conversation = store.create_conversation()
    first = store.add_message(conversation.id, "user", "first try")
    store.add_message(conversation.id, "assistant", "answer")
    second = store.add_message(conversation.id, "user", "second try", parent_id=None)
    store.delete_message(second.id)
    assert [m.content for m in store.thread(conversation.id)] == ["first try", "answer"]
    assert store.alternatives(first.id) == [first]


def test_deep_threads_delete_without_hitting_recursion_limits(store: ChatStore) -> None:
    # SQLite stops cascading deletes 1000 levels deep; long chats are deeper than that.
    conversation = store.create_conversation()
    first = store.add_message(conversation.id, "user", "0")
    for index in range(1, 1200):
        store.add_message(conversation.id, "user" if index % 2 == 0 else "assistant", str(index))
    assert len(store.thread(conversation.id)) == 1200
    store.delete_message(first.id)
    assert store.count_messages(conversation.id) == 0
    store.add_message(conversation.id, "user", "again")
    store.delete_conversation(conversation.id)
    assert store.purge_deleted() == 1
