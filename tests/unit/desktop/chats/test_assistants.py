"""Assistants in the chat database, and the conversations started with them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from desktop.chats import ChatStore, Conversations, StoreError, start_conversation
from models.cancel import CancelToken
from models.engine import GenerationStats


class RecordingEngine:
    """Answers at once with a fixed text, remembering what it was asked with."""

    model_name = "recorder"

    def __init__(self) -> None:
        self.calls: list[tuple[list[dict[str, str]], dict[str, Any]]] = []

    def answer(self, messages: Sequence[Mapping[str, str]], settings: Mapping[str, Any],
               on_text: Callable[[str], None], on_done: Callable[[GenerationStats], None],
               on_error: Callable[[str], None]) -> CancelToken:
        self.calls.append(([dict(m) for m in messages], dict(settings)))
        on_text("Hello.")
        on_done(GenerationStats(5, 5, 2, 0.01, 100.0, 50.0, 0.05, "stop", 0))
        return CancelToken()


SETTINGS = {"temperature": 0.2, "max_tokens": 64,
            "adapters": [{"name": "style", "path": "/adapters/style.gguf", "scale": 0.8}]}


def test_add_list_update_and_delete(store: ChatStore) -> None:
    coder = store.assistants.add("Coder", "You write Python.", icon="🐍", model="starter", settings=SETTINGS,
                                 collections=["Manuals", " "], starters=["Explain {{selection}}", ""])
    assert coder.badge == "🐍" and coder.collections == ("Manuals",) and coder.starters == ("Explain {{selection}}",)
    editor = store.assistants.add("editor", "You edit prose.")
    assert editor.badge == "E" and editor.model is None
    assert [a.name for a in store.assistants.list_assistants()] == ["Coder", "editor"]
    changed = store.assistants.update(coder.id, model=None, starters=["Hi"], name="Python coder")
    assert (changed.name, changed.model, changed.starters, changed.settings) == ("Python coder", None, ("Hi",),
                                                                                  SETTINGS)
    assert store.assistants.find("python") == changed
    store.assistants.delete(editor.id)
    assert [a.name for a in store.assistants.list_assistants()] == ["Python coder"]


def test_names_are_unique_and_icons_short(store: ChatStore) -> None:
    store.assistants.add("Coder")
    with pytest.raises(StoreError, match="An assistant called 'coder' already exists"):
        store.assistants.add("coder")
    with pytest.raises(StoreError, match="emoji or one or two letters"):
        store.assistants.add("Other", icon="a long icon")


def test_a_chat_with_an_assistant_answers_with_its_settings(store: ChatStore) -> None:
    assistant = store.assistants.add("Coder", "You write Python.", model="tiny", settings=SETTINGS)
    conversation = start_conversation(store, assistant, "First")
    assert (conversation.system_prompt, conversation.settings, conversation.model, conversation.assistant_id) == (
        "You write Python.", SETTINGS, "tiny", assistant.id)
    engine = RecordingEngine()
    _user, answer = Conversations(store, engine).send(conversation, "Hi")
    messages, settings = engine.calls[0]
    assert messages == [{"role": "system", "content": "You write Python."}, {"role": "user", "content": "Hi"}]
    assert settings == SETTINGS  # sampling and adapters reach the engine
    assert store.get_message(answer.id).settings == SETTINGS and store.get_message(answer.id).content == "Hello."


def test_editing_an_assistant_leaves_its_chats_as_they_were(store: ChatStore) -> None:
    assistant = store.assistants.add("Coder", "Old prompt", settings={"temperature": 0.2})
    conversation = start_conversation(store, assistant)
    store.assistants.update(assistant.id, system_prompt="New prompt", settings={"temperature": 1.5})
    kept = store.get_conversation(conversation.id)
    assert (kept.system_prompt, kept.settings) == ("Old prompt", {"temperature": 0.2})


def test_deleting_an_assistant_keeps_its_chats(store: ChatStore) -> None:
    assistant = store.assistants.add("Coder")
    conversation = start_conversation(store, assistant)
    store.add_message(conversation.id, "user", "kept")
    store.assistants.delete(assistant.id)
    kept = store.get_conversation(conversation.id)
    assert kept.assistant_id is None and store.thread(kept.id)[0].content == "kept"
    assert [c.id for c in store.list_conversations()] == [conversation.id]
