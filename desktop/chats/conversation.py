"""The conversation flow, without a window: send, regenerate, edit and stop an answer.

The store is the truth. A sent message is written before the model sees it; an answer is a
"streaming" row flushed at least once a second (`StreamingWriter`), then finished with its
statistics and what grounding added (citations, notes). The engine and the documents sit
behind two small interfaces, `AnswerEngine` and `Grounding`, so the window, a local server and
remote engines share this flow; what the user sees is told through `AnswerEvents`.

Threading: use a `Conversations` from the thread that owns its store, and have the engine and
the grounding call back on that thread (the window's bridges relay the engine thread's callbacks
to the GUI thread). One answer at a time: the engine runs one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from desktop.chats.prompt import build_messages
from desktop.chats.store import ChatStore
from desktop.chats.streaming import StreamingWriter
from desktop.chats.types import Conversation, Message
from models.cancel import CancelToken
from models.engine import GenerationStats

Messages = list[dict[str, str]]


class AnswerEngine(Protocol):
    """What answers: the local engine's worker, or a remote endpoint (desktop.remotes)."""

    @property
    def model_name(self) -> str | None:
        """The model that would answer now; None when none is loaded."""

    def answer(
        self,
        messages: Sequence[Mapping[str, str]],
        settings: Mapping[str, Any],
        on_text: Callable[[str], None],
        on_done: Callable[[GenerationStats], None],
        on_error: Callable[[str], None],
    ) -> CancelToken:
        """Start answering `messages` with the conversation's `settings` (sampling, thinking);
        stream text to `on_text`, then call `on_done` or `on_error` once. The token stops it."""


class Grounding(Protocol):
    """Finds sources for a question and builds the prompt that cites them (desktop.documents)."""

    def ground(
        self, question: str, history: Messages, system_prompt: str, on_done: Callable[[Messages, dict[str, Any]], None]
    ) -> None:
        """Call `on_done(messages, extra)` once: the engine's messages and what to keep with the
        answer (citations, notes). A search that fails still calls it, with the plain messages
        and a note that says why."""


@dataclass
class AnswerEvents:
    """What the flow tells its user interface; every callback is optional."""

    started: Callable[[Message, bool], None] = lambda _answer, _rebuilt: None  # rebuilt: the thread changed shape
    streamed: Callable[[Message, str], None] = lambda _answer, _text: None  # the answer row as created, new text
    finished: Callable[[Message, GenerationStats | None], None] = lambda _answer, _stats: None  # the final row


@dataclass
class _Answer:
    row: Message  # as created: id, conversation, parent
    writer: StreamingWriter
    text: str = ""
    grounding: bool = False  # the documents are searched before the model is asked
    token: CancelToken | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # citations and notes, kept with the answer


class Conversations:
    """Answers in conversations of one store, through one engine."""

    def __init__(self, store: ChatStore, engine: AnswerEngine, events: AnswerEvents | None = None) -> None:
        self.store, self.engine = store, engine
        self.events = events or AnswerEvents()
        self._answer: _Answer | None = None

    @property
    def busy(self) -> bool:
        return self._answer is not None

    @property
    def answering(self) -> int | None:
        """The conversation whose answer is being written, if any (a window shows it per chat)."""
        return self._answer.row.conversation_id if self._answer is not None else None

    @property
    def streaming(self) -> tuple[Message, str] | None:
        """The answer being written (its row as created) and its text so far."""
        return (self._answer.row, self._answer.text) if self._answer is not None else None

    # -- starting an answer --------------------------------------------------------------

    def send(
        self, conversation: Conversation, text: str, grounding: Grounding | None = None
    ) -> tuple[Message, Message]:
        """Write the user's message, then answer it: (the message, the answer's streaming row)."""
        self._check_ready()
        user = self.store.add_message(conversation.id, "user", text)
        return user, self._start(user, grounding, rebuilt=False)

    def regenerate(self, assistant_id: int, grounding: Grounding | None = None) -> Message:
        """Answer the question of `assistant_id` again, as its sibling (an alternative)."""
        self._check_ready()
        message = self.store.get_message(assistant_id)
        if message.parent_id is None:
            raise ValueError(f"message {assistant_id} answers nothing")
        return self._start(self.store.get_message(message.parent_id), grounding, rebuilt=True)

    def edit(self, user_id: int, text: str, grounding: Grounding | None = None) -> Message:
        """Ask `text` instead of message `user_id`, as its sibling, and answer it."""
        self._check_ready()
        original = self.store.get_message(user_id)
        edited = self.store.add_message(original.conversation_id, "user", text, parent_id=original.parent_id)
        return self._start(edited, grounding, rebuilt=True)

    def _check_ready(self) -> None:
        if self.busy:
            raise RuntimeError("an answer is already being written")
        if self.engine.model_name is None:
            raise RuntimeError("no model is loaded")

    def _start(self, user: Message, grounding: Grounding | None, rebuilt: bool) -> Message:
        conversation = self.store.get_conversation(user.conversation_id)
        thread = self.store.thread(conversation.id)
        # What the model sees ends at the message it answers, whatever came after it before.
        thread = thread[: [m.id for m in thread].index(user.id) + 1]
        settings = dict(conversation.settings)
        row = self.store.add_message(
            conversation.id, "assistant", "", parent_id=user.id, model=self.engine.model_name,
            settings=settings, status="streaming",
        )
        answer = self._answer = _Answer(row, StreamingWriter(self.store, row.id), grounding=grounding is not None)
        self.events.started(row, rebuilt)
        if grounding is None:
            self._ask(answer, build_messages(conversation.system_prompt, thread), settings)
        else:
            grounding.ground(
                user.content, build_messages("", thread[:-1]), conversation.system_prompt,
                lambda messages, extra: self._on_grounded(answer, messages, extra, settings),
            )
        return row

    def _on_grounded(self, answer: _Answer, messages: Messages, extra: dict[str, Any],
                     settings: dict[str, Any]) -> None:
        if self._answer is not answer or not answer.grounding:
            return  # stopped while the documents were searched
        answer.grounding = False
        answer.extra.update(extra)
        self._ask(answer, messages, settings)

    def _ask(self, answer: _Answer, messages: Messages, settings: dict[str, Any]) -> None:
        token = self.engine.answer(
            messages, settings,
            lambda text: self._on_text(answer, text),
            lambda stats: self._on_done(answer, stats),
            lambda error: self._finish(answer, {"error": error}, "failed", None),
        )
        if self._answer is answer:  # an engine that answers at once has finished already
            answer.token = token

    # -- while it streams ----------------------------------------------------------------

    def _on_text(self, answer: _Answer, text: str) -> None:
        if self._answer is not answer:
            return
        answer.text += text
        answer.writer.append(text)
        self.events.streamed(answer.row, text)

    def _on_done(self, answer: _Answer, stats: GenerationStats) -> None:
        status = "cancelled" if stats.stop_reason == "cancelled" else "complete"
        self._finish(answer, asdict(stats), status, stats)

    def stop(self) -> None:
        """Stop the answer being written; what it said so far is kept."""
        answer = self._answer
        if answer is None:
            return
        if answer.grounding or answer.token is None:
            self._finish(answer, {"stop_reason": "cancelled"}, "cancelled", None)  # the model was not asked yet
        else:
            answer.token.cancel()  # the engine ends it, and `_on_done` saves it

    def close(self) -> None:
        """Quitting: stop the answer and save what it said so far at once."""
        answer = self._answer
        if answer is not None:
            if answer.token is not None:
                answer.token.cancel()
            self._finish(answer, {"stop_reason": "cancelled"}, "cancelled", None)

    def _finish(
        self, answer: _Answer, stats: dict[str, Any], status: str, engine_stats: GenerationStats | None
    ) -> None:
        if self._answer is not answer:
            return
        self._answer = None
        answer.writer.finish({**stats, **answer.extra}, status)
        self.events.finished(self.store.get_message(answer.row.id), engine_stats)
