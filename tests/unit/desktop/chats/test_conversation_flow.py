"""The conversation flow without a window: a real store, the real engine on a tiny model."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from desktop.chats import AnswerEvents, ChatStore, Conversations, Message
from models.cancel import CancelToken
from models.engine import Engine, GenerationStats
from models.errors import HearthModelError
from models.families import sampling_for, thinking_choice


class EngineNow:
    """The engine on the calling thread: `answer` returns once the answer is finished."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.asked: list[list[dict[str, str]]] = []

    @property
    def model_name(self) -> str | None:
        return self.engine.model.name if self.engine.model else None

    def answer(self, messages: Sequence[Mapping[str, str]], settings: Mapping[str, Any],
               on_text: Callable[[str], None], on_done: Callable[[GenerationStats], None],
               on_error: Callable[[str], None]) -> CancelToken:
        self.asked.append([dict(m) for m in messages])
        token = CancelToken()
        try:
            stats = self.engine.chat(messages, sampling_for(None, settings), on_text, token, thinking_choice(settings))
        except HearthModelError as exc:
            on_error(str(exc))
        else:
            on_done(stats)
        return token


class Held:
    """An engine that streams a little and then waits to be stopped: an answer in the middle."""

    model_name = "held"

    def __init__(self) -> None:
        self.token = CancelToken()

    def answer(self, messages: Sequence[Mapping[str, str]], settings: Mapping[str, Any],
               on_text: Callable[[str], None], on_done: Callable[[GenerationStats], None],
               on_error: Callable[[str], None]) -> CancelToken:
        on_text("The first half")
        return self.token


class Recorder:
    def __init__(self) -> None:
        self.started: list[tuple[int, bool]] = []
        self.streamed: list[str] = []
        self.finished: list[Message] = []

    def events(self) -> AnswerEvents:
        return AnswerEvents(
            started=lambda answer, rebuilt: self.started.append((answer.id, rebuilt)),
            streamed=lambda _answer, text: self.streamed.append(text),
            finished=lambda answer, _stats: self.finished.append(answer),
        )


@pytest.fixture
def engine_now(tiny_engine: Engine) -> EngineNow:
    return EngineNow(tiny_engine)


def test_a_sent_message_is_stored_then_answered_and_the_answer_saved_with_its_stats(
    store: ChatStore, engine_now: EngineNow
) -> None:
    recorder = Recorder()
    flow = Conversations(store, engine_now, recorder.events())
    conversation = store.create_conversation("Test", system_prompt="Be brief.", settings={"max_tokens": 6, "seed": 1})
    user, answer = flow.send(conversation, "Hello there")
    assert [m.id for m in store.thread(conversation.id)] == [user.id, answer.id]
    final = store.get_message(answer.id)
    assert final.status == "complete" and final.model == engine_now.model_name
    assert final.content == "".join(recorder.streamed) and final.content
    assert final.stats is not None and final.stats["generated_tokens"] == 6
    assert recorder.started == [(answer.id, False)] and recorder.finished[0].id == answer.id
    system, question = {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}
    assert engine_now.asked[0] == [system, question]
    assert not flow.busy


def test_regenerate_and_edit_add_alternatives_and_ask_only_up_to_their_question(
    store: ChatStore, engine_now: EngineNow
) -> None:
    flow = Conversations(store, engine_now)
    conversation = store.create_conversation("Test", settings={"max_tokens": 3})
    first_user, first_answer = flow.send(conversation, "One")
    flow.send(conversation, "Two")
    again = flow.regenerate(first_answer.id)
    assert again.parent_id == first_user.id and len(store.alternatives(first_answer.id)) == 2
    assert engine_now.asked[-1] == [{"role": "user", "content": "One"}]  # "Two" came after it
    edited = flow.edit(first_user.id, "One, edited")
    assert [m.content for m in store.alternatives(first_user.id)] == ["One", "One, edited"]
    assert store.get_message(edited.id).status == "complete"
    assert engine_now.asked[-1] == [{"role": "user", "content": "One, edited"}]


def test_stopping_keeps_what_was_said_and_a_grounded_answer_can_stop_before_the_model_is_asked(
    store: ChatStore,
) -> None:
    held = Held()
    flow = Conversations(store, held)
    conversation = store.create_conversation("Test")
    _user, answer = flow.send(conversation, "Tell me")
    assert flow.busy and flow.streaming == (answer, "The first half")
    flow.close()  # quitting mid-answer
    assert held.token.cancelled
    saved = store.get_message(answer.id)
    assert (saved.status, saved.content) == ("cancelled", "The first half")

    class NeverFound:
        def ground(self, *_args: object) -> None: ...  # the search is still running

    _user, waiting = flow.send(conversation, "Another", NeverFound())
    flow.stop()
    assert store.get_message(waiting.id).status == "cancelled" and not flow.busy


def test_grounding_replaces_the_prompt_and_its_citations_stay_with_the_answer(
    store: ChatStore, engine_now: EngineNow
) -> None:
    class Sources:
        def ground(self, question: str, history: list[dict[str, str]], system_prompt: str,
                   on_done: Callable[[list[dict[str, str]], dict[str, Any]], None]) -> None:
            on_done([{"role": "user", "content": f"[1] The filter is cleaned monthly.\n\n{question}"}],
                    {"citations": [{"number": 1, "file": "manual.pdf"}], "notes": []})

    flow = Conversations(store, engine_now)
    conversation = store.create_conversation("Test", settings={"max_tokens": 2})
    _user, answer = flow.send(conversation, "How often?", Sources())
    assert engine_now.asked[0][0]["content"].startswith("[1] The filter")
    stats = store.get_message(answer.id).stats
    assert stats is not None and stats["citations"] == [{"number": 1, "file": "manual.pdf"}]


def test_no_model_is_refused_and_an_engine_failure_is_saved_as_a_failed_answer(store: ChatStore) -> None:
    recorder = Recorder()
    flow = Conversations(store, EngineNow(Engine()), recorder.events())  # nothing loaded
    with pytest.raises(RuntimeError, match="no model"):
        flow.send(store.create_conversation("Test"), "Hello")

    class Refusing(EngineNow):
        model_name = "refusing"

        def answer(self, messages: Sequence[Mapping[str, str]], settings: Mapping[str, Any],
                   on_text: Callable[[str], None], on_done: Callable[[GenerationStats], None],
                   on_error: Callable[[str], None]) -> CancelToken:
            on_error("The model could not answer.")
            return CancelToken()

    flow = Conversations(store, Refusing(Engine()), recorder.events())
    _user, answer = flow.send(store.create_conversation("Test"), "Hello")
    saved = store.get_message(answer.id)
    assert saved.status == "failed" and saved.stats == {"error": "The model could not answer."}
    assert recorder.finished[-1].id == answer.id and not flow.busy


def test_the_flow_says_which_conversation_is_answering(store: ChatStore) -> None:
    flow = Conversations(store, Held())
    first, second = store.create_conversation("First"), store.create_conversation("Second")
    assert flow.answering is None
    flow.send(first, "Tell me")
    assert flow.answering == first.id  # a window shows Stop there, and "waiting" in `second`
    with pytest.raises(RuntimeError, match="already being written"):
        flow.send(second, "Me too")
    flow.close()
    assert flow.answering is None
