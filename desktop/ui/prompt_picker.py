"""`/` in the message box: the prompt library as a list above it. Typing after the `/` filters it,
Up and Down move, Enter (or Tab) picks, Esc closes; the focus never leaves the message box.

A message that merely starts with `/` still goes out when nothing matches: Enter then sends it;
after Esc the list stays closed until the message box no longer starts with `/`.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPlainTextEdit, QWidget

from desktop.chats import SavedPrompt, parse

PROMPT_ROLE = Qt.ItemDataRole.UserRole
MAX_QUERY = 80  # longer than any prompt name: the user is writing a message, not choosing
VISIBLE_ROWS = 8


class PromptPicker(QObject):
    picked = Signal(object)  # SavedPrompt
    library_requested = Signal()

    def __init__(self, editor: QPlainTextEdit, prompts: Callable[[str], list[SavedPrompt]], host: QWidget) -> None:
        """`prompts(query)` lists the prompts matching `query`; the list is drawn on `host`."""
        super().__init__(editor)
        self.editor = editor
        self._prompts = prompts
        self.list = QListWidget(host, objectName="promptPicker")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setUniformItemSizes(True)
        self.list.itemClicked.connect(lambda item: self._pick(item))
        self.list.hide()
        self._dismissed = False  # Esc closed it for the `/…` being typed
        editor.installEventFilter(self)
        editor.textChanged.connect(self._on_editor_text_changed)

    @property
    def visible(self) -> bool:
        return self.list.isVisible()

    def query(self) -> str | None:
        """What follows the `/` while the message box holds only a `/word`; None otherwise."""
        text = self.editor.toPlainText()
        if not text.startswith("/") or "\n" in text or len(text) > MAX_QUERY:
            return None
        return text[1:]

    def _on_editor_text_changed(self) -> None:
        query = self.query()
        if query is None:
            self._dismissed = False
            self.hide()
        elif not self._dismissed:
            self.show(query)

    def show(self, query: str) -> None:
        self.list.clear()
        prompts = self._prompts(query)
        for prompt in prompts:
            marks = " · fills in variables" if parse(prompt.text).has_placeholders else ""
            label = prompt.name + (f" — {prompt.description}" if prompt.description else "") + marks
            item = QListWidgetItem(label)
            item.setData(PROMPT_ROLE, prompt)
            item.setToolTip(prompt.text[:500])
            self.list.addItem(item)
        if not prompts:
            empty = QListWidgetItem(f"No saved prompt matches “{query}”" if query
                                    else "No saved prompts yet: Library, Prompts… (Ctrl+Shift+L) adds them")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)
        else:
            self.list.setCurrentRow(0)
        self._place()
        self.list.show()
        self.list.raise_()

    def hide(self) -> None:
        self.list.hide()

    def _place(self) -> None:
        """Just above the message box, as wide as it."""
        host = self.list.parentWidget()
        assert host is not None
        rows = min(max(self.list.count(), 1), VISIBLE_ROWS)
        height = rows * max(self.list.sizeHintForRow(0), 20) + 2 * self.list.frameWidth() + 4
        top_left = self.editor.mapTo(host, QPoint(0, 0))
        self.list.setGeometry(top_left.x(), max(0, top_left.y() - height), self.editor.width(), height)

    def _current(self) -> SavedPrompt | None:
        item = self.list.currentItem()
        prompt = item.data(PROMPT_ROLE) if item is not None else None
        return prompt if isinstance(prompt, SavedPrompt) else None

    def _pick(self, item: QListWidgetItem | None = None) -> None:
        prompt = item.data(PROMPT_ROLE) if item is not None else self._current()
        if isinstance(prompt, SavedPrompt):
            self.hide()
            self.picked.emit(prompt)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The list belongs to the window, the filter to the message box: while a closed window is
        # torn down the list may go first, and an exception here would abort inside Qt.
        if watched is not self.editor or not shiboken6.isValid(self.list) or not self.list.isVisible():
            return super().eventFilter(watched, event)
        if event.type() == QEvent.Type.ShortcutOverride:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.key() == Qt.Key.Key_Escape:
                event.accept()  # Esc closes the list here instead of stopping an answer
                return True
        if event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(watched, event)
        key = event.key()  # type: ignore[attr-defined]
        if key == Qt.Key.Key_Escape:
            self._dismissed = True
            self.hide()
            return True
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = -1 if key == Qt.Key.Key_Up else 1
            row = self.list.currentRow() + step
            if 0 <= row < self.list.count() and self.list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled:
                self.list.setCurrentRow(row)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab) and self._current() is not None:
            self._pick()
            return True
        return super().eventFilter(watched, event)
