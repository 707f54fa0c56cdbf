"""The conversation list: grouped by date, searchable, with rename and delete-with-undo."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.chats import MARK_END, MARK_START, Conversation, SearchHit, snippet_text

CONVERSATION_ROLE = Qt.ItemDataRole.UserRole
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
TERMS_ROLE = Qt.ItemDataRole.UserRole + 2  # the words a search hit matched, to mark in the message
UNDO_SECONDS = 10


def matched_words(snippet: str) -> list[str]:
    """The words search marked in a snippet, each once."""
    found = re.findall(f"{re.escape(MARK_START)}(.*?){re.escape(MARK_END)}", snippet)
    return list(dict.fromkeys(word for word in found if word.strip()))


class Sidebar(QWidget):
    conversation_selected = Signal(int)
    message_selected = Signal(int, int, list)  # conversation id, message id, the matched words (a search hit)
    new_requested = Signal()
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)
    export_requested = Signal(int)
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.new_button = QPushButton("+  New chat", objectName="newChatButton", toolTip="New chat (Ctrl+N)")
        self.new_button.clicked.connect(self.new_requested)
        self.search_field = QLineEdit(objectName="searchField", placeholderText="Search all chats (Ctrl+F)")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.textChanged.connect(self._on_search_text_changed)
        self._search_delay = QTimer(self, singleShot=True, interval=150)
        self._search_delay.timeout.connect(lambda: self.search_changed.emit(self.search_field.text().strip()))

        self.tree = QTreeWidget(objectName="conversationList")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(8)
        self.tree.setWordWrap(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_tree_context_menu)
        self.tree.itemClicked.connect(self._on_tree_item_clicked)
        self.tree.itemActivated.connect(self._on_tree_item_clicked)
        self.tree.itemChanged.connect(self._on_tree_item_changed)

        self.undo_bar = QFrame(objectName="undoBar")
        self.undo_label = QLabel(objectName="undoLabel", wordWrap=True)
        self.undo_button = QPushButton("Undo", objectName="undoButton")
        undo_layout = QHBoxLayout(self.undo_bar)
        undo_layout.setContentsMargins(4, 4, 4, 4)
        undo_layout.addWidget(self.undo_label, 1)
        undo_layout.addWidget(self.undo_button)
        self.undo_bar.hide()
        self._undo: Callable[[], None] | None = None
        self._undo_timer = QTimer(self, singleShot=True, interval=UNDO_SECONDS * 1000)
        self._undo_timer.timeout.connect(self.undo_bar.hide)
        self.undo_button.clicked.connect(self._on_undo_clicked)

        layout = QVBoxLayout(self)
        self._layout = layout
        layout.setContentsMargins(8, 8, 8, 8)
        self._new_row = QHBoxLayout()
        self._new_row.setSpacing(2)
        self._new_row.addWidget(self.new_button, 1)
        layout.addLayout(self._new_row)
        layout.addWidget(self.search_field)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.undo_bar)
        self._filling = False

    # -- contents ------------------------------------------------------------------------

    def set_conversations(self, groups: list[tuple[str, list[Conversation]]], current: int | None) -> None:
        self._filling = True
        self.tree.clear()
        bold = QFont(self.font())
        bold.setBold(True)
        for heading, conversations in groups:
            header = QTreeWidgetItem([heading])
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            header.setFont(0, bold)
            self.tree.addTopLevelItem(header)
            for conversation in conversations:
                item = QTreeWidgetItem([conversation.title])
                item.setData(0, CONVERSATION_ROLE, conversation.id)
                item.setToolTip(0, conversation.title)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable)
                header.addChild(item)
                if conversation.id == current:
                    item.setSelected(True)
            header.setExpanded(True)
        self._filling = False

    def show_search_results(self, hits: list[SearchHit]) -> None:
        self._filling = True
        self.tree.clear()
        if not hits:
            empty = QTreeWidgetItem(["No matches"])
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.tree.addTopLevelItem(empty)
        for hit in hits:
            snippet = snippet_text(hit.snippet).replace("\n", " ")
            item = QTreeWidgetItem([f"{hit.conversation_title}\n{snippet}"])
            item.setData(0, CONVERSATION_ROLE, hit.conversation_id)
            item.setData(0, MESSAGE_ROLE, hit.message_id)
            item.setData(0, TERMS_ROLE, matched_words(hit.snippet))
            item.setToolTip(0, snippet)
            self.tree.addTopLevelItem(item)
        self._filling = False

    def _rows(self) -> list[QTreeWidgetItem]:
        """The conversation rows under every date heading, top to bottom."""
        rows = []
        for i in range(self.tree.topLevelItemCount()):
            header = self.tree.topLevelItem(i)
            if header is not None:
                rows += [child for j in range(header.childCount()) if (child := header.child(j)) is not None]
        return rows

    def conversation_ids(self) -> list[int]:
        return [row.data(0, CONVERSATION_ROLE) for row in self._rows()]

    def add_beside_new_chat(self, widget: QWidget) -> None:
        """A small button right of "+ New chat" (the assistants' "New chat with…" menu)."""
        self._new_row.addWidget(widget)

    def add_top_section(self, widget: QWidget) -> None:
        """A row under the search field (the assistant filter)."""
        self._layout.insertWidget(self._layout.indexOf(self.search_field) + 1, widget)

    def add_section(self, widget: QWidget) -> None:
        """A section under the conversation list (the documents panel), above the undo bar."""
        self._layout.insertWidget(self._layout.indexOf(self.undo_bar), widget)

    def show_undo(self, text: str, undo: Callable[[], None]) -> None:
        self._undo = undo
        self.undo_label.setText(text)
        self.undo_bar.show()
        self._undo_timer.start()

    def focus_search(self) -> None:
        self.search_field.setFocus()
        self.search_field.selectAll()

    def start_rename(self, conversation_id: int) -> None:
        item = self._item_for(conversation_id)
        if item is not None:
            self.tree.editItem(item, 0)

    # -- events --------------------------------------------------------------------------

    def _item_for(self, conversation_id: int) -> QTreeWidgetItem | None:
        return next((row for row in self._rows() if row.data(0, CONVERSATION_ROLE) == conversation_id), None)

    def _on_search_text_changed(self, _text: str) -> None:
        self._search_delay.start()

    def _on_tree_item_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        conversation_id = item.data(0, CONVERSATION_ROLE)
        if conversation_id is None:
            return
        message_id = item.data(0, MESSAGE_ROLE)
        if message_id is not None:
            self.message_selected.emit(conversation_id, message_id, item.data(0, TERMS_ROLE) or [])
        else:
            self.conversation_selected.emit(conversation_id)

    def _on_tree_item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        conversation_id = item.data(0, CONVERSATION_ROLE)
        if self._filling or conversation_id is None:
            return
        title = item.text(0).strip()
        if title:
            self.rename_requested.emit(conversation_id, title)

    def _on_tree_context_menu(self, position: QPoint) -> None:
        item = self.tree.itemAt(position)
        if item is None:
            return
        conversation_id = item.data(0, CONVERSATION_ROLE)
        if conversation_id is None or item.data(0, MESSAGE_ROLE) is not None:
            return
        menu = QMenu(self)
        menu.addAction("Rename", lambda: self.tree.editItem(item, 0))
        menu.addAction("Export…", lambda: self.export_requested.emit(conversation_id))
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.delete_requested.emit(conversation_id))
        menu.exec(self.tree.viewport().mapToGlobal(position))

    def _on_undo_clicked(self) -> None:
        self.undo_bar.hide()
        self._undo_timer.stop()
        if self._undo is not None:
            undo, self._undo = self._undo, None
            undo()
