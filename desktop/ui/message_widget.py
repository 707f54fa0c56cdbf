"""One message in the conversation: who said it, the text (with a collapsible Thinking section for
reasoning models), the answer's figures, and its actions (copy, edit, regenerate, delete, and
paging through alternatives)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QCursor, QDesktopServices, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desktop.chats import Message
from desktop.ui.citations import cited_number, link_citations
from desktop.ui.markdown import MarkdownRenderer
from desktop.ui.message_body import MessageBody
from models.families import split_reasoning

STOP_REASONS = {
    "stop": "finished",
    "length": "reached the token limit",
    "context": "the context is full",
    "cancelled": "stopped by you",
}
COPIED_FEEDBACK_MS = 1500
STATUS_NOTES = {
    "interrupted": "Interrupted: Hearth closed before this answer finished.",
    "cancelled": "",
    "failed": "",
}


def sources_html(citations: list[dict[str, Any]]) -> str:
    """The sources under a grounded answer: [n] is the number the answer cites; a click opens the file."""
    rows = []
    for citation in citations:
        url = QUrl.fromLocalFile(str(citation.get("path", ""))).toString()
        where = f", {html.escape(citation['location'])}" if citation.get("location") else ""
        snippet = html.escape(" ".join(str(citation.get("snippet", "")).split())[:160])
        name = html.escape(str(citation.get("file_name")))
        rows.append(f'[{citation.get("number")}] <a href="{html.escape(url)}">{name}</a>{where} — <i>{snippet}</i>')
    return "<b>Sources</b><br>" + "<br>".join(rows)


def stats_line(model: str | None, stats: dict[str, Any] | None) -> str:
    if not stats:
        return model or ""
    parts = [model or "", f"{stats.get('generated_tokens', 0)} tokens"]
    if stats.get("generation_tokens_per_s"):
        parts.append(f"{stats['generation_tokens_per_s']:.1f} tok/s")
    if stats.get("time_to_first_token_s"):
        parts.append(f"first token {stats['time_to_first_token_s'] * 1000:.0f} ms")
    reason = STOP_REASONS.get(str(stats.get("stop_reason")), "")
    if reason:
        parts.append(reason)
    return " · ".join(p for p in parts if p)


class MessageWidget(QFrame):
    """Emits requests; the controller decides what they do."""

    copy_requested = Signal(int)
    edit_submitted = Signal(int, str)  # message id, new text
    regenerate_requested = Signal(int)
    delete_requested = Signal(int)
    alternative_requested = Signal(int, int)  # message id, step (-1 / +1)
    citation_opened = Signal(int)  # the number of a source cited in the answer's text, clicked

    def __init__(
        self,
        message: Message,
        renderer: MarkdownRenderer,
        alternative: tuple[int, int] = (1, 1),  # (position, count) among its siblings
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.message = message
        self._renderer = renderer
        self._text = message.content
        self.streaming = False
        self.setObjectName("userBubble" if message.role == "user" else "assistantMessage")

        self.role_label = QLabel(objectName="roleLabel")
        self.thinking_button = QToolButton(objectName="thinkingButton", checkable=True)
        self.thinking_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.thinking_button.setArrowType(Qt.ArrowType.RightArrow)
        self.thinking_button.toggled.connect(self._on_thinking_toggled)
        self.thinking_body = MessageBody(renderer)
        self.thinking_body.setObjectName("thinkingBody")
        self.thinking_body.hide()
        self.body = MessageBody(renderer)
        self.body.setObjectName("messageBody")
        self.body.anchorClicked.connect(self._on_body_anchor_clicked)
        self.notice_label = QLabel(objectName="noticeLabel", wordWrap=True)
        self.sources_label = QLabel(objectName="sourcesLabel", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.sources_label.linkActivated.connect(self.open_source)
        self.sources_label.hide()
        self.stats_label = QLabel(objectName="statsLabel")

        self.copy_button = QToolButton(text="Copy", objectName="copyButton", toolTip="Copy this message")
        self.edit_button = QToolButton(text="Edit", objectName="editButton", toolTip="Edit and send again")
        self.regenerate_button = QToolButton(text="Regenerate", objectName="regenerateButton",
                                             toolTip="Answer again (the current answer is kept)")
        self.delete_button = QToolButton(text="Delete", objectName="deleteButton", toolTip="Delete this message")
        self.previous_button = QToolButton(text="‹", objectName="previousAlternative", toolTip="Previous version")
        self.alternative_label = QLabel(objectName="alternativeLabel")
        self.next_button = QToolButton(text="›", objectName="nextAlternative", toolTip="Next version")
        self.copy_button.clicked.connect(self._copy)
        self._copied_timer = QTimer(self, singleShot=True, interval=COPIED_FEEDBACK_MS)
        self._copied_timer.timeout.connect(lambda: self.copy_button.setText("Copy"))
        self.body.code_copied.connect(lambda _index: QToolTip.showText(QCursor.pos(), "Copied", self.body))
        self.edit_button.clicked.connect(self.start_editing)
        self.regenerate_button.clicked.connect(lambda: self.regenerate_requested.emit(self.message.id))
        self.delete_button.clicked.connect(lambda: self.delete_requested.emit(self.message.id))
        self.previous_button.clicked.connect(lambda: self.alternative_requested.emit(self.message.id, -1))
        self.next_button.clicked.connect(lambda: self.alternative_requested.emit(self.message.id, +1))

        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        for widget in (self.previous_button, self.alternative_label, self.next_button):
            actions.addWidget(widget)
        actions.addWidget(self.stats_label)
        actions.addStretch(1)
        for button in (self.copy_button, self.edit_button, self.regenerate_button, self.delete_button):
            actions.addWidget(button)

        self._editor: QPlainTextEdit | None = None
        self._edit_row = QWidget(self)
        edit_send = QPushButton("Send", objectName="editSendButton")
        edit_cancel = QPushButton("Cancel", objectName="editCancelButton")
        edit_send.clicked.connect(self._submit_edit)
        edit_cancel.clicked.connect(self.stop_editing)
        row = QHBoxLayout(self._edit_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(edit_cancel)
        row.addWidget(edit_send)
        self._edit_row.hide()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(12, 8, 12, 6)
        self._layout.setSpacing(2)
        self._layout.addWidget(self.role_label)
        self._layout.addWidget(self.thinking_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._layout.addWidget(self.thinking_body)
        self._layout.addWidget(self.body)
        self._layout.addWidget(self.sources_label)
        self._layout.addWidget(self.notice_label)
        self._layout.addLayout(actions)
        # Only now do the buttons have a parent: showing a parentless widget opens a window.
        is_user = message.role == "user"
        self.edit_button.setVisible(is_user)
        self.regenerate_button.setVisible(not is_user)

        self.set_alternative(*alternative)
        self.show_message(message)

    # -- showing -------------------------------------------------------------------------

    def show_message(self, message: Message) -> None:
        # The end of an answer that streamed here: its text is on screen already, but its tail.
        streamed = self.streaming and message.content == self._text
        self.streaming = False
        self.message = message
        self._text = message.content
        self.role_label.setText("You" if message.role == "user" else (message.model or "Assistant"))
        if message.role == "user":
            self.body.set_plain(message.content)
            self._show_thinking("", done=True)
        else:
            split = split_reasoning(message.content)
            self._show_thinking(split.thinking, split.thinking_done)
            if streamed:
                self.body.finish_stream(split.answer)
            else:
                self.body.set_markdown(split.answer)
        self.stats_label.setText(stats_line(None, message.stats) if message.role != "user" else "")
        stats = message.stats or {}
        citations = stats.get("citations") or []
        if citations and message.role != "user":
            # [1], [2] in the text become links to the sources listed under it.
            link_citations(self.body.document(), citations, QColor(self._renderer.style.link))
        self.sources_label.setText(sources_html(citations) if citations else "")
        self.sources_label.setVisible(bool(citations))
        notes = [STATUS_NOTES.get(message.status, ""), *(stats.get("notes") or [])]
        if message.status == "failed":
            notes.insert(0, stats.get("error", "The answer failed."))
        note = "\n".join(n for n in notes if n)
        self.notice_label.setText(note)
        self.notice_label.setVisible(bool(note))

    def _on_body_anchor_clicked(self, url: QUrl) -> None:
        number = cited_number(url)
        citations = (self.message.stats or {}).get("citations") or []
        cited = next((c for c in citations if c.get("number") == number), None)
        if cited is None:
            return
        self.citation_opened.emit(number)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(cited.get("path", ""))))  # as its listed source's link

    def set_alternative(self, position: int, count: int) -> None:
        self.alternative_label.setText(f"{position}/{count}")
        for widget in (self.previous_button, self.alternative_label, self.next_button):
            widget.setVisible(count > 1)
        self.previous_button.setEnabled(position > 1)
        self.next_button.setEnabled(position < count)

    def add_notice(self, text: str) -> None:
        current = self.notice_label.text()
        self.notice_label.setText(f"{current}\n{text}" if current else text)
        self.notice_label.show()

    # -- streaming -----------------------------------------------------------------------

    def set_renderer(self, renderer: MarkdownRenderer) -> None:
        self._renderer = self.body._renderer = self.thinking_body._renderer = renderer
        if self.streaming:
            self.body.begin_stream()
            self.append_stream("")
        else:
            self.show_message(self.message)

    def begin_stream(self) -> None:
        self.streaming = True
        self._text = ""
        self.body.begin_stream()
        self.stats_label.setText("…")
        self.set_actions_enabled(False)

    def append_stream(self, text: str) -> None:
        self._text += text
        split = split_reasoning(self._text)
        self._show_thinking(split.thinking, split.thinking_done)
        self.body.update_stream(split.answer)

    @property
    def text(self) -> str:
        return self._text

    def set_actions_enabled(self, enabled: bool) -> None:
        for button in (self.edit_button, self.regenerate_button, self.delete_button,
                       self.previous_button, self.next_button):
            button.setEnabled(enabled)
        if enabled:
            self.set_alternative(*map(int, self.alternative_label.text().split("/")))

    # -- thinking ------------------------------------------------------------------------

    def _show_thinking(self, thinking: str, done: bool) -> None:
        if not thinking and done:
            self.thinking_button.hide()
            self.thinking_body.hide()
            return
        words = len(thinking.split())
        self.thinking_button.setText(f"Thought for {words} words" if done else f"Thinking… ({words} words)")
        self.thinking_button.show()
        self._thinking_text = thinking
        if self.thinking_button.isChecked():
            self.thinking_body.set_plain(thinking)

    def _on_thinking_toggled(self, shown: bool) -> None:
        self.thinking_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        if shown:
            self.thinking_body.set_plain(getattr(self, "_thinking_text", ""))
        self.thinking_body.setVisible(shown)

    # -- editing -------------------------------------------------------------------------

    def start_editing(self) -> None:
        if self._editor is not None:
            return
        self._editor = QPlainTextEdit(self.message.content, objectName="messageEditor")
        self._editor.setToolTip("Enter sends, Shift+Enter starts a new line, Esc cancels")
        self._editor.setMinimumHeight(80)
        self._editor.installEventFilter(self)
        index = self._layout.indexOf(self.body)
        self._layout.insertWidget(index, self._editor)
        self._layout.insertWidget(index + 1, self._edit_row)
        self.body.hide()
        self._edit_row.show()
        self._editor.setFocus()

    def stop_editing(self) -> None:
        if self._editor is not None:
            self._editor.deleteLater()
            self._editor = None
        self._edit_row.hide()
        self.body.show()

    def _submit_edit(self) -> None:
        assert self._editor is not None
        text = self._editor.toPlainText().strip()
        if text:
            self.stop_editing()
            self.edit_submitted.emit(self.message.id, text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The edit box sends on Enter, as the message box does; Esc there cancels the edit (the
        # window's Esc, which stops an answer, must not take it first).
        kind = event.type()
        if watched is not self._editor or kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return super().eventFilter(watched, event)
        key_event: QKeyEvent = event  # type: ignore[assignment]
        key, shift = key_event.key(), bool(key_event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if kind == QEvent.Type.ShortcutOverride:
            if key == Qt.Key.Key_Escape:
                event.accept()
                return True
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not shift:
            self._submit_edit()
            return True
        elif key == Qt.Key.Key_Escape:
            self.stop_editing()
            return True
        return super().eventFilter(watched, event)

    def _copy(self) -> None:
        text = self._text if self.message.role == "user" else split_reasoning(self._text).answer
        QGuiApplication.clipboard().setText(text)
        self.copy_button.setText("Copied")
        self._copied_timer.start()
        self.copy_requested.emit(self.message.id)

    def open_source(self, link: str) -> None:
        """A cited file, in the application the system opens it with; or a note saying why not."""
        url = QUrl(link)
        name = Path(url.toLocalFile()).name if url.isLocalFile() else link
        if url.isLocalFile() and not Path(url.toLocalFile()).is_file():
            self.add_notice(f"{name} cannot be opened: it was moved or deleted since it was indexed.")
        elif not QDesktopServices.openUrl(url):
            self.add_notice(f"{name} cannot be opened: no application on this computer opens it.")
