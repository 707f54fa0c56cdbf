"""What the user sees while chatting: the conversation flow (desktop.chats.Conversations) tied to
the views. The flow writes to the store and talks to the engine; this controller shows what it
does. The view is rebuilt from the store whenever the thread changes shape (edit, regenerate,
delete, paging through alternatives); streamed text goes to the answer's widget.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.chats import (
    AnswerEvents,
    Assistant,
    ChatStore,
    Conversation,
    Conversations,
    DeletedMessages,
    Message,
    NotFoundError,
    SearchHit,
    StoreError,
    group_by_date,
    title_from_message,
)
from desktop.documents import DocumentGrounding
from desktop.ui.conversation_view import ConversationView
from desktop.ui.documents_panel import DocumentsPanel
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.remote_models import AnswerRouter
from desktop.ui.sidebar import Sidebar
from models.engine import GenerationStats

log = logging.getLogger(__name__)


class ChatController(QObject):
    busy_changed = Signal(bool)  # the shown conversation's answer is being written (or no longer)
    waiting_changed = Signal(str)  # why the shown conversation cannot send now ("" when it can)
    conversation_changed = Signal(object)  # Conversation | None
    assistant_changed = Signal(object)  # Assistant | None: of the open (or new, unsaved) conversation
    context_used = Signal(int, int)  # tokens used, context length

    def __init__(self, store: ChatStore, bridge: EngineBridge, view: ConversationView, sidebar: Sidebar,
                 documents: DocumentsPanel | None = None, router: AnswerRouter | None = None) -> None:
        super().__init__(view)
        self.store, self.bridge, self.view, self.sidebar = store, bridge, view, sidebar
        self.documents = documents
        self.conversation: Conversation | None = None
        self.assistant: Assistant | None = None  # the open conversation's, or the new chat's
        self.assistant_filter: int | None = None  # the sidebar lists only this assistant's chats
        self.engine = router or AnswerRouter(bridge)  # the local engine, or the remote model chosen
        self.answers = Conversations(store, self.engine, AnswerEvents(
            started=self._on_answer_started, streamed=self._on_answer_streamed, finished=self._on_answer_finished,
        ))
        self._sidebar_shown: object = None
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
        return self.answers.busy

    # -- conversations -------------------------------------------------------------------

    def refresh_sidebar(self) -> None:
        if self.sidebar.search_field.text().strip():
            self.search(self.sidebar.search_field.text().strip())
            return
        current = self.conversation.id if self.conversation else None
        listed = self.store.list_conversations()
        if self.assistant_filter is not None:
            listed = [c for c in listed if c.assistant_id == self.assistant_filter]
        groups = group_by_date(listed, time.time())
        # Rebuilding the list costs ~10 ms per 100 chats; most sends and answers change nothing in it.
        shown = (current, [(heading, [(c.id, c.title) for c in items]) for heading, items in groups])
        if shown != self._sidebar_shown:
            self._sidebar_shown = shown
            self.sidebar.set_conversations(groups, current)

    def new_conversation(self, assistant: Assistant | None = None) -> None:
        """An empty conversation (with `assistant`); it is saved when its first message is sent."""
        self.conversation = None
        # Menu actions and buttons connect here too, and pass their `checked` flag.
        self.assistant = assistant if isinstance(assistant, Assistant) else None
        self.view.clear()
        if self.documents is not None:
            self.documents.show_conversation(None)
        self.conversation_changed.emit(None)
        self.assistant_changed.emit(self.assistant)
        self.context_used.emit(0, self._context_length())
        self._show_answering()
        self.refresh_sidebar()

    def open_conversation(self, conversation_id: int) -> None:
        self.conversation = self.store.get_conversation(conversation_id)
        self.assistant = self._assistant_of(self.conversation)
        self._show_thread()
        if self.documents is not None:
            self.documents.show_conversation(conversation_id)
        self.conversation_changed.emit(self.conversation)
        self.assistant_changed.emit(self.assistant)
        self.refresh_sidebar()

    def open_message(self, conversation_id: int, message_id: int, words: list[str] | None = None) -> None:
        """A search hit: its conversation, scrolled to the message, the matched words marked."""
        self.open_conversation(conversation_id)
        self.view.scroll_to_message(message_id, words or [])

    def _assistant_of(self, conversation: Conversation) -> Assistant | None:
        if conversation.assistant_id is None:
            return None
        try:
            return self.store.assistants.get(conversation.assistant_id)
        except NotFoundError:
            return None

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self.store.update_conversation(conversation_id, title=title)
        if self.conversation and self.conversation.id == conversation_id:
            self.conversation = self.store.get_conversation(conversation_id)
            self.conversation_changed.emit(self.conversation)
        self.refresh_sidebar()

    def delete_conversation(self, conversation_id: int) -> None:
        streaming = self.answers.streaming
        if streaming is not None and streaming[0].conversation_id == conversation_id:
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
            assistant = self.assistant
            self.conversation = self.store.create_conversation(
                title=title, system_prompt=system_prompt, settings=settings,
                model=assistant.model if assistant else None, assistant_id=assistant.id if assistant else None,
            )
            if self.documents is not None:
                self.documents.conversation_created(self.conversation.id)
            self.conversation_changed.emit(self.conversation)
            self.refresh_sidebar()
        return self.conversation

    def send(self, text: str, settings: dict[str, Any], system_prompt: str) -> None:
        if self.busy or not self.engine.ready:
            return
        conversation = self.ensure_conversation(title_from_message(text), settings, system_prompt)
        self.answers.send(conversation, text, self._grounding())
        self.refresh_sidebar()

    def regenerate(self, assistant_id: int) -> None:
        if self.busy or not self.engine.ready or self.store.get_message(assistant_id).parent_id is None:
            return
        self.answers.regenerate(assistant_id, self._grounding())

    def edit_message(self, user_id: int, text: str) -> None:
        if self.busy or not self.engine.ready:
            return
        self.answers.edit(user_id, text, self._grounding())

    def delete_message(self, message_id: int) -> None:
        if self.busy:
            return
        removed = self.store.delete_message(message_id)
        self._show_thread()
        what = "a message and the answers below it" if len(removed.rows) > 1 else "a message"
        self.sidebar.show_undo(f"Deleted {what}", lambda: self._restore_messages(removed))

    def _restore_messages(self, removed: DeletedMessages) -> None:
        try:
            self.store.restore_messages(removed)
        except StoreError as exc:  # e.g. the message above them was deleted since
            self.view.show_error(f"The message could not be brought back: {exc}")
            return
        if self._showing(removed.conversation_id):
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
        self.answers.stop()

    def close(self) -> None:
        """The window is closing: stop the answer and keep what it said so far."""
        self.answers.close()

    def hide_text(self) -> int | None:
        """Hearth is locking: save a running answer, then empty the transcript, the chat list and
        the search field. Returns the conversation that was shown, for `show_text`."""
        self.answers.close()
        shown = self.conversation.id if self.conversation else None
        self.conversation = None
        self.view.clear()
        self.sidebar.search_field.blockSignals(True)  # no delayed search against a closed store
        self.sidebar.search_field.clear()
        self.sidebar.search_field.blockSignals(False)
        self.sidebar.set_conversations([], None)
        self._sidebar_shown = None
        self.conversation_changed.emit(None)
        return shown

    def show_text(self, conversation_id: int | None) -> None:
        """Unlocked: the chat list again, and the conversation shown before (if it still exists)."""
        if conversation_id is None:
            self.new_conversation()
            return
        try:
            self.open_conversation(conversation_id)
        except StoreError:
            self.new_conversation()

    def _grounding(self) -> DocumentGrounding | None:
        """The documents attached to this conversation, searched before the model is asked."""
        collections = self.documents.attached_ids if self.documents is not None else []
        if not collections or self.documents is None or not self.engine.ready:
            return None
        # Sources take at most half the context: the history and the answer need the rest.
        return DocumentGrounding(self.documents.docs.retrieve, collections, self.engine.context_length // 2)

    # -- the answer, as the flow writes it -----------------------------------------------

    def _on_answer_started(self, answer: Message, rebuilt: bool) -> None:
        self.conversation = self.store.get_conversation(answer.conversation_id)
        if rebuilt:
            self._show_thread()
        else:
            assert answer.parent_id is not None
            self.view.append_message(self.store.get_message(answer.parent_id))
            self.view.append_message(answer)
            self.view.widgets[answer.id].begin_stream()
        self.view.clear_error()
        self._show_answering()

    def _on_answer_streamed(self, answer: Message, text: str) -> None:
        if self._showing(answer.conversation_id):
            widget = self.view.widgets.get(answer.id)
            if widget is not None:
                widget.append_stream(text)

    def _on_answer_finished(self, answer: Message, stats: GenerationStats | None) -> None:
        showing = self._showing(answer.conversation_id)
        if showing:
            widget = self.view.widgets.get(answer.id)
            if widget is not None:
                widget.show_message(answer)
        self._show_answering()
        self.refresh_sidebar()
        if not showing:
            return  # an answer in another chat: its figures are that chat's, shown when it opens
        if answer.status == "failed":
            self.view.show_error(str((answer.stats or {}).get("error", "The answer failed.")))
        if stats is not None and stats.dropped_messages:
            self._notice_on_answer(f"{stats.dropped_messages} older messages did not fit the context and were "
                                   "left out of what the model saw.")
        if stats is not None and self.engine.ready:
            self.context_used.emit(stats.prompt_tokens + stats.generated_tokens, self.engine.context_length)

    def _notice_on_answer(self, text: str) -> None:
        if self.conversation is not None:
            thread = self.store.thread(self.conversation.id)
            widget = self.view.widgets.get(thread[-1].id) if thread else None
            if widget is not None:
                widget.add_notice(text)

    # -- showing -------------------------------------------------------------------------

    def _showing(self, conversation_id: int) -> bool:
        return self.conversation is not None and self.conversation.id == conversation_id

    def _show_answering(self) -> None:
        """Each chat shows its own state: Stop where its answer is being written; elsewhere, why
        nothing can be sent until that answer ends. Message buttons rest while any answer runs."""
        answering = self.answers.answering
        here = answering is not None and self._showing(answering)
        reason = ""
        if answering is not None and not here:
            title = self.store.get_conversation(answering).title
            reason = (f"“{title}” is still answering, one answer at a time: your message stays here until "
                      "it has finished (or open that chat and stop it).")
        self.busy_changed.emit(here)
        self.waiting_changed.emit(reason)
        for widget in self.view.widgets.values():
            if not widget.streaming:
                widget.set_actions_enabled(answering is None)

    def _show_thread(self) -> None:
        assert self.conversation is not None
        thread = self.store.thread(self.conversation.id)
        self.view.show_thread(thread, self.store.alternative_positions(self.conversation.id))
        streaming = self.answers.streaming
        if streaming is not None and self._showing(streaming[0].conversation_id):
            answer, text = streaming
            widget = self.view.widgets.get(answer.id)
            if widget is not None:
                widget.begin_stream()
                widget.append_stream(text)
        last_stats = next((m.stats for m in reversed(thread) if m.role == "assistant" and m.stats), None)
        used = (last_stats.get("prompt_tokens", 0) + last_stats.get("generated_tokens", 0)) if last_stats else 0
        self.context_used.emit(used, self._context_length())
        self._show_answering()

    def _context_length(self) -> int:
        return self.engine.context_length
