"""What happens when the user chats: the store, the engine bridge and the views, tied together.

The conversation store is the truth. A sent message is written before the model sees it; an
answer is a "streaming" row flushed at least once a second, finished with its statistics. The
view is rebuilt from the store whenever the thread changes shape (edit, regenerate, delete,
paging through alternatives); streamed text goes to the view and the store side by side.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.chats import (
    ChatStore,
    Conversation,
    Message,
    SearchHit,
    StreamingWriter,
    group_by_date,
    title_from_message,
)
from desktop.chats.prompt import build_messages
from desktop.documents import Retrieval, build_grounded_messages
from desktop.ui.conversation_view import ConversationView
from desktop.ui.documents_panel import DocumentsPanel
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.settings_panel import sampling_params, thinking_choice
from desktop.ui.sidebar import Sidebar
from models.engine import GenerationStats

log = logging.getLogger(__name__)


@dataclass
class _Stream:
    conversation_id: int
    message_id: int
    writer: StreamingWriter
    text: str = ""
    waiting_for_sources: bool = False  # the documents search runs before the model is asked
    extra: dict[str, Any] = field(default_factory=dict)  # citations and notes, kept with the answer


class ChatController(QObject):
    busy_changed = Signal(bool)
    conversation_changed = Signal(object)  # Conversation | None
    context_used = Signal(int, int)  # tokens used, context length

    def __init__(self, store: ChatStore, bridge: EngineBridge, view: ConversationView, sidebar: Sidebar,
                 documents: DocumentsPanel | None = None) -> None:
        super().__init__(view)
        self.store, self.bridge, self.view, self.sidebar = store, bridge, view, sidebar
        self.documents = documents
        self.conversation: Conversation | None = None
        self._stream: _Stream | None = None
        self._sidebar_shown: object = None
        bridge.text_streamed.connect(self._on_bridge_text_streamed)
        bridge.answer_finished.connect(self._on_bridge_answer_finished)
        bridge.answer_failed.connect(self._on_bridge_answer_failed)
        view.edit_submitted.connect(self.edit_message)
        view.regenerate_requested.connect(self.regenerate)
        view.delete_requested.connect(self.delete_message)
        view.alternative_requested.connect(self.step_alternative)
        sidebar.conversation_selected.connect(self.open_conversation)
        sidebar.message_selected.connect(self.open_message)
        sidebar.new_requested.connect(self.new_conversation)
        sidebar.rename_requested.connect(self.rename_conversation)
        sidebar.delete_requested.connect(self.delete_conversation)
        sidebar.search_changed.connect(self.search)

    @property
    def busy(self) -> bool:
        return self._stream is not None

    # -- conversations -------------------------------------------------------------------

    def refresh_sidebar(self) -> None:
        if self.sidebar.search_field.text().strip():
            self.search(self.sidebar.search_field.text().strip())
            return
        current = self.conversation.id if self.conversation else None
        groups = group_by_date(self.store.list_conversations(), time.time())
        # Rebuilding the list costs ~10 ms per 100 chats; most sends and answers change nothing in it.
        shown = (current, [(heading, [(c.id, c.title) for c in items]) for heading, items in groups])
        if shown != self._sidebar_shown:
            self._sidebar_shown = shown
            self.sidebar.set_conversations(groups, current)

    def new_conversation(self) -> None:
        """An empty conversation; it is saved when its first message is sent."""
        self.conversation = None
        self.view.clear()
        if self.documents is not None:
            self.documents.show_conversation(None)
        self.conversation_changed.emit(None)
        self.context_used.emit(0, self._context_length())
        self.refresh_sidebar()

    def open_conversation(self, conversation_id: int) -> None:
        self.conversation = self.store.get_conversation(conversation_id)
        self._show_thread()
        if self.documents is not None:
            self.documents.show_conversation(conversation_id)
        self.conversation_changed.emit(self.conversation)
        self.refresh_sidebar()

    def open_message(self, conversation_id: int, message_id: int) -> None:
        self.open_conversation(conversation_id)
        self.view.scroll_to_message(message_id)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self.store.update_conversation(conversation_id, title=title)
        if self.conversation and self.conversation.id == conversation_id:
            self.conversation = self.store.get_conversation(conversation_id)
            self.conversation_changed.emit(self.conversation)
        self.refresh_sidebar()

    def delete_conversation(self, conversation_id: int) -> None:
        if self._stream and self._stream.conversation_id == conversation_id:
            self.stop()
        title = self.store.get_conversation(conversation_id).title
        self.store.delete_conversation(conversation_id)
        if self.conversation and self.conversation.id == conversation_id:
            self.new_conversation()
        self.refresh_sidebar()
        self.sidebar.show_undo(f"Deleted “{title}”", lambda: self._restore(conversation_id))

    def _restore(self, conversation_id: int) -> None:
        self.store.restore_conversation(conversation_id)
        self.open_conversation(conversation_id)

    def update_settings(self, settings: dict[str, Any]) -> None:
        if self.conversation is not None:
            self.conversation = self.store.update_conversation(self.conversation.id, settings=settings)

    def update_system_prompt(self, prompt: str) -> None:
        if self.conversation is not None and prompt != self.conversation.system_prompt:
            self.conversation = self.store.update_conversation(self.conversation.id, system_prompt=prompt)

    def search(self, query: str) -> None:
        if not query:
            self.refresh_sidebar()
            return
        # One row per conversation, in rank order; a matching message beats a matching title.
        best: dict[int, SearchHit] = {}
        for hit in self.store.search(query):
            current = best.get(hit.conversation_id)
            if current is None or (current.message_id is None and hit.message_id is not None):
                best[hit.conversation_id] = hit
        self._sidebar_shown = None  # the list now shows hits; the next refresh must rebuild it
        self.sidebar.show_search_results(list(best.values()))

    def export(self, conversation_id: int, path: Path) -> None:
        if path.suffix.lower() == ".json":
            text = json.dumps(self.store.export_json(conversation_id), indent=2, ensure_ascii=False)
        else:
            text = self.store.export_markdown(conversation_id)
        path.write_text(text, encoding="utf-8")

    # -- messages ------------------------------------------------------------------------

    def ensure_conversation(self, title: str, settings: dict[str, Any], system_prompt: str) -> Conversation:
        """The open conversation, created now (with `title`) if it is still a new, empty one."""
        if self.conversation is None:
            self.conversation = self.store.create_conversation(
                title=title, system_prompt=system_prompt, settings=settings
            )
            if self.documents is not None:
                self.documents.conversation_created(self.conversation.id)
            self.conversation_changed.emit(self.conversation)
            self.refresh_sidebar()
        return self.conversation

    def send(self, text: str, settings: dict[str, Any], system_prompt: str) -> None:
        if self.busy or self.bridge.model is None:
            return
        self.ensure_conversation(title_from_message(text), settings, system_prompt)
        assert self.conversation is not None
        user = self.store.add_message(self.conversation.id, "user", text)
        self.view.append_message(user)
        self._answer(user)
        self.refresh_sidebar()

    def regenerate(self, assistant_id: int) -> None:
        message = self.store.get_message(assistant_id)
        if self.busy or message.parent_id is None:
            return
        self._answer(self.store.get_message(message.parent_id), rebuild=True)

    def edit_message(self, user_id: int, text: str) -> None:
        original = self.store.get_message(user_id)
        if self.busy:
            return
        edited = self.store.add_message(original.conversation_id, "user", text, parent_id=original.parent_id)
        self._answer(edited, rebuild=True)

    def delete_message(self, message_id: int) -> None:
        if self.busy:
            return
        self.store.delete_message(message_id)
        self._show_thread()

    def step_alternative(self, message_id: int, step: int) -> None:
        if self.busy:
            return
        siblings = self.store.alternatives(message_id)
        ids = [m.id for m in siblings]
        index = ids.index(message_id) + step
        if 0 <= index < len(ids):
            self.store.select_alternative(ids[index])
            self._show_thread()

    def stop(self) -> None:
        if self._stream is not None and self._stream.waiting_for_sources:
            self._finish({"stop_reason": "cancelled"}, "cancelled")  # the model was not asked yet
            return
        self.bridge.stop()

    def close(self) -> None:
        """The window is closing: stop the answer and keep what it said so far."""
        if self._stream is not None:
            self.bridge.stop()
            self._finish({"stop_reason": "cancelled"}, "cancelled")

    # -- answering -----------------------------------------------------------------------

    def _answer(self, user: Message, rebuild: bool = False) -> None:
        assert self.conversation is not None
        self.conversation = self.store.get_conversation(self.conversation.id)
        model = self.bridge.model
        assert model is not None
        settings = dict(self.conversation.settings)
        thread = self.store.thread(self.conversation.id)
        # What the model sees ends at the message it answers, whatever came after it before.
        thread = thread[: [m.id for m in thread].index(user.id) + 1]
        answer = self.store.add_message(
            self.conversation.id, "assistant", "", parent_id=user.id, model=model.name,
            settings=settings, status="streaming",
        )
        stream = self._stream = _Stream(self.conversation.id, answer.id, StreamingWriter(self.store, answer.id))
        if rebuild:
            self._show_thread()
        else:
            self.view.append_message(answer)
        self.view.widgets[answer.id].begin_stream()
        self.view.clear_error()
        self.busy_changed.emit(True)
        system_prompt = self.conversation.system_prompt
        collections = self.documents.attached_ids if self.documents is not None else []
        if not collections:
            self.bridge.send(build_messages(system_prompt, thread), sampling_params(settings),
                             thinking_choice(settings))
            return
        # Documents attached: search them first (on their own thread), then ask with the sources.
        stream.waiting_for_sources = True
        assert self.documents is not None
        self.documents.docs.retrieve(
            user.content, collections,
            lambda found: self._send_grounded(stream, thread, settings, found),
            lambda error: self._send_grounded(stream, thread, settings, None, error),
        )

    def _send_grounded(self, stream: _Stream, thread: list[Message], settings: dict[str, Any],
                       found: Retrieval | None, error: str | None = None) -> None:
        if self._stream is not stream or not stream.waiting_for_sources:
            return  # stopped while the documents were searched
        stream.waiting_for_sources = False
        assert self.conversation is not None and self.bridge.model is not None
        system_prompt, question = self.conversation.system_prompt, thread[-1].content
        notes = []
        if found is None:
            notes.append(f"The documents could not be searched ({error}); this answer does not use them.")
            messages = build_messages(system_prompt, thread)
        else:
            history = build_messages("", thread[:-1])
            # Sources take at most half the context: the history and the answer need the rest.
            messages, citations = build_grounded_messages(
                question, found.chunks, system_prompt, history,
                max_source_tokens=self.bridge.model.context_length // 2,
            )
            stream.extra["citations"] = [c.as_dict() for c in citations]
            if found.notice:
                notes.append(found.notice)
            if found.still_indexing:
                notes.append("Some documents are still being indexed: this answer used the files ready so far.")
        stream.extra["notes"] = notes
        self.bridge.send(messages, sampling_params(settings), thinking_choice(settings))

    def _on_bridge_text_streamed(self, text: str) -> None:
        stream = self._stream
        if stream is None:
            return
        stream.text += text
        stream.writer.append(text)
        if self._showing(stream.conversation_id):
            widget = self.view.widgets.get(stream.message_id)
            if widget is not None:
                widget.append_stream(text)

    def _on_bridge_answer_finished(self, stats: GenerationStats) -> None:
        status = "cancelled" if stats.stop_reason == "cancelled" else "complete"
        self._finish(asdict(stats), status)
        if stats.dropped_messages:
            self._notice_on_answer(f"{stats.dropped_messages} older messages did not fit the context and were "
                                   "left out of what the model saw.")
        model = self.bridge.model
        if model is not None:
            self.context_used.emit(stats.prompt_tokens + stats.generated_tokens, model.context_length)

    def _on_bridge_answer_failed(self, error: str) -> None:
        self._finish({"error": error}, "failed")
        self.view.show_error(error)

    def _finish(self, stats: dict[str, Any], status: str) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        stream.writer.finish({**stats, **stream.extra}, status)
        if self._showing(stream.conversation_id):
            widget = self.view.widgets.get(stream.message_id)
            if widget is not None:
                widget.show_message(self.store.get_message(stream.message_id))
                widget.set_actions_enabled(True)
        self.busy_changed.emit(False)
        self.refresh_sidebar()

    def _notice_on_answer(self, text: str) -> None:
        if self.conversation is not None:
            thread = self.store.thread(self.conversation.id)
            widget = self.view.widgets.get(thread[-1].id) if thread else None
            if widget is not None:
                widget.add_notice(text)

    # -- showing -------------------------------------------------------------------------

    def _showing(self, conversation_id: int) -> bool:
        return self.conversation is not None and self.conversation.id == conversation_id

    def _show_thread(self) -> None:
        assert self.conversation is not None
        thread = self.store.thread(self.conversation.id)
        self.view.show_thread(thread, self.store.alternative_positions(self.conversation.id))
        stream = self._stream
        if stream is not None and self._showing(stream.conversation_id) and stream.message_id in self.view.widgets:
            widget = self.view.widgets[stream.message_id]
            widget.begin_stream()
            widget.append_stream(stream.text)
        last_stats = next((m.stats for m in reversed(thread) if m.role == "assistant" and m.stats), None)
        used = (last_stats.get("prompt_tokens", 0) + last_stats.get("generated_tokens", 0)) if last_stats else 0
        self.context_used.emit(used, self._context_length())

    def _context_length(self) -> int:
        return self.bridge.model.context_length if self.bridge.model else 0
