from __future__ import annotations

import json

import pytest

from desktop.chats import JSON_FORMAT, JSON_FORMAT_VERSION, ChatStore, Conversation


@pytest.fixture
def conversation(store: ChatStore) -> Conversation:
    chat = store.create_conversation(
        "Rivers of Europe", "You are a geography tutor.", {"temperature": 0.3, "seed": 4}, "qwen3-4b"
    )
    question = store.add_message(chat.id, "user", "Which river is the longest?")
    store.add_message(chat.id, "assistant", "The Danube.", model="qwen3-4b", status="failed")
    store.add_message(
        chat.id,
        "assistant",
        "<think>\nVolga vs Danube: the Volga is 3,530 km.\n</think>\n\nThe **Volga**.",
        parent_id=question.id,
        model="qwen3-4b",
        settings={"temperature": 0.3},
        stats={"generated_tokens": 31, "tokens_per_s": 20.5},
    )
    store.add_message(chat.id, "user", "And the second longest?")
    store.add_message(chat.id, "assistant", "The Danube, at 2,850 km.", model="qwen3-4b", status="cancelled")
    return store.get_conversation(chat.id)


def test_markdown_has_title_system_prompt_and_the_active_thread(store: ChatStore, conversation: Conversation) -> None:
    text = store.export_markdown(conversation.id)
    assert text.startswith("# Rivers of Europe\n\n## System prompt\n\nYou are a geography tutor.\n\n## User\n\n")
    assert text.index("Which river is the longest?") < text.index("The **Volga**.") < text.index("second longest")
    assert "## Assistant (qwen3-4b)" in text
    # The failed first answer is an alternative off the active thread.
    assert "The Danube." not in text
    assert "*(stopped before it finished)*" in text


def test_markdown_folds_reasoning_into_details(store: ChatStore, conversation: Conversation) -> None:
    text = store.export_markdown(conversation.id)
    assert "<think>" not in text and "</think>" not in text
    details = text.index("<details>\n<summary>Reasoning</summary>\n\nVolga vs Danube: the Volga is 3,530 km.")
    assert details < text.index("</details>") < text.index("The **Volga**.")


def test_markdown_without_system_prompt(store: ChatStore) -> None:
    chat = store.create_conversation("Plain")
    store.add_message(chat.id, "user", "hi")
    assert store.export_markdown(chat.id) == "# Plain\n\n## User\n\nhi\n"


def test_json_has_everything(store: ChatStore, conversation: Conversation) -> None:
    exported = store.export_json(conversation.id)
    assert json.loads(json.dumps(exported)) == exported
    assert (exported["format"], exported["version"]) == (JSON_FORMAT, JSON_FORMAT_VERSION)
    assert exported["conversation"]["title"] == "Rivers of Europe"
    assert exported["conversation"]["system_prompt"] == "You are a geography tutor."
    assert exported["conversation"]["settings"] == {"temperature": 0.3, "seed": 4}
    assert exported["conversation"]["model"] == "qwen3-4b"
    messages = exported["messages"]
    assert len(messages) == 5  # the failed alternative too
    by_id = {m["id"]: m for m in messages}
    thread = store.thread(conversation.id)
    assert exported["active_path"] == [m.id for m in thread]
    assert exported["conversation"]["current_leaf_id"] == thread[-1].id
    volga = by_id[thread[1].id]
    assert volga["stats"] == {"generated_tokens": 31, "tokens_per_s": 20.5}
    assert volga["settings"] == {"temperature": 0.3}
    assert volga["parent_id"] == thread[0].id
    assert [m["status"] for m in messages] == ["complete", "failed", "complete", "complete", "cancelled"]
    assert sum(1 for m in messages if m["parent_id"] == thread[0].id) == 2
