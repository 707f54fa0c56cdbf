"""Deleting a message can be undone: the message, the answers below it and the thread come back."""

from __future__ import annotations

from desktop.chats import ChatStore


def test_a_deleted_message_and_its_answers_come_back_as_they_were(store: ChatStore) -> None:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, "user", "Name a bread")
    first = store.add_message(conversation.id, "assistant", "Rye", stats={"generated_tokens": 1})
    store.add_message(conversation.id, "user", "Another?")
    store.add_message(conversation.id, "assistant", "Spelt")
    before = store.thread(conversation.id)

    removed = store.delete_message(first.id)
    assert [m.content for m in store.thread(conversation.id)] == ["Name a bread"]
    assert store.search("Spelt") == []
    store.restore_messages(removed)
    assert store.thread(conversation.id) == before
    assert store.get_conversation(conversation.id).current_leaf_id == before[-1].id
    assert [hit.message_id for hit in store.search("Spelt")] == [before[-1].id]
    assert store.alternative_positions(conversation.id).get(question.id, (1, 1)) == (1, 1)


def test_undo_after_a_new_message_took_the_ids(store: ChatStore) -> None:
    conversation = store.create_conversation()
    store.add_message(conversation.id, "user", "Hi")
    answer = store.add_message(conversation.id, "assistant", "Hello")
    removed = store.delete_message(answer.id)
    retry = store.add_message(conversation.id, "assistant", "Hello again")  # takes the freed id
    assert retry.id == answer.id
    store.restore_messages(removed)
    thread = store.thread(conversation.id)
    assert [m.content for m in thread] == ["Hi", "Hello"]
    assert thread[-1].id != answer.id
    assert [m.content for m in store.alternatives(thread[-1].id)] == ["Hello again", "Hello"]
