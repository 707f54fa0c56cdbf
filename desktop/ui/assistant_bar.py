"""Assistants where the chats are: the sidebar's filter and "New chat with…" menu, the chat
header's badge, and a new chat's starter prompts above the message box."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QPushButton, QToolButton, QWidget

from desktop.chats import Assistant

ALL_CHATS = "All chats"


class AssistantBar(QWidget):
    """In the sidebar: which assistant's chats to list, and (`new_button`, placed beside the
    sidebar's "+ New chat") a new chat with one."""

    filter_changed = Signal(object)  # assistant id, or None for every chat
    chat_requested = Signal(object)  # Assistant
    manage_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistantBar")
        self.filter_box = QComboBox(objectName="assistantFilter", toolTip="Show the chats of one assistant")
        # As narrow as a laptop's sidebar needs: long assistant names are cut, not the window widened.
        self.filter_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.filter_box.setMinimumContentsLength(4)
        self.filter_box.currentIndexChanged.connect(lambda _i: self.filter_changed.emit(self.filter_box.currentData()))
        # An arrow beside "+ New chat" (the sidebar places it), not a second wide button: the
        # sidebar stays narrow enough for a laptop at big text sizes.
        self.new_button = QToolButton(text="New chat with…", objectName="newChatWithButton",
                                      toolTip="New chat with an assistant",
                                      popupMode=QToolButton.ToolButtonPopupMode.InstantPopup,
                                      arrowType=Qt.ArrowType.DownArrow,
                                      toolButtonStyle=Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.new_button.setStyleSheet("QToolButton::menu-indicator { image: none; }")  # the arrow says it
        self.menu = QMenu(self.new_button)
        self.new_button.setMenu(self.menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_box, 1)
        self.assistants: list[Assistant] = []
        self.set_assistants([])

    def set_assistants(self, assistants: list[Assistant]) -> None:
        self.assistants = list(assistants)
        current = self.filter_box.currentData()
        self.filter_box.blockSignals(True)
        self.filter_box.clear()
        self.filter_box.addItem(ALL_CHATS, None)
        for assistant in assistants:
            self.filter_box.addItem(f"{assistant.badge}  {assistant.name}", assistant.id)
        index = self.filter_box.findData(current) if current is not None else 0
        self.filter_box.setCurrentIndex(max(index, 0))
        self.filter_box.blockSignals(False)
        if current is not None and index < 0:  # the assistant it showed was deleted
            self.filter_changed.emit(None)
        self.menu.clear()
        for assistant in assistants:
            self.menu.addAction(f"{assistant.badge}  {assistant.name}", partial(self.chat_requested.emit, assistant))
        if assistants:
            self.menu.addSeparator()
        self.menu.addAction("Manage assistants…", self.manage_requested.emit)

    def show_only(self, assistant_id: int | None) -> None:
        self.filter_box.setCurrentIndex(max(self.filter_box.findData(assistant_id), 0) if assistant_id else 0)


class StarterStrip(QWidget):
    """A new chat's starter prompts, as buttons above the message box."""

    starter_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("starterStrip")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(24, 4, 24, 0)
        self.buttons: list[QPushButton] = []
        self.hide()

    def show_starters(self, starters: tuple[str, ...]) -> None:
        for button in self.buttons:
            button.deleteLater()
        self.buttons = []
        for text in starters:
            label = text if len(text) <= 48 else text[:47] + "…"
            button = QPushButton(label, objectName="starterButton", toolTip=text)
            button.clicked.connect(lambda _checked=False, t=text: self.starter_chosen.emit(t))
            self._layout.addWidget(button)
            self.buttons.append(button)
        self.setVisible(bool(starters))


class AssistantBadge(QLabel):
    """In the chat header: which assistant the chat is with."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistantBadge")
        self.hide()

    def show_assistant(self, assistant: Assistant | None) -> None:
        self.setText(f"{assistant.badge}  {assistant.name}" if assistant else "")
        self.setToolTip(f"A chat with the assistant {assistant.name}" if assistant else "")
        self.setVisible(assistant is not None)
