"""The message box: Enter sends, Shift+Enter starts a new line; the button turns into Stop."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QWidget


class Composer(QWidget):
    send_requested = Signal(str)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input = QPlainTextEdit(objectName="messageInput",
                                    placeholderText="Message Hearth…  (Enter sends, Shift+Enter for a new line)")
        self.input.setMaximumHeight(120)
        self.input.installEventFilter(self)
        self.send_button = QPushButton("Send", objectName="sendButton")
        self.send_button.clicked.connect(self._on_send_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 4, 24, 12)
        layout.addWidget(self.input, 1)
        layout.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        self._busy = False
        self._ready = False
        self._update_button()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_button()

    def set_ready(self, ready: bool) -> None:
        """Whether a model is loaded, so a message can be answered."""
        self._ready = ready
        self._update_button()

    def _update_button(self) -> None:
        self.send_button.setText("Stop" if self._busy else "Send")
        self.send_button.setToolTip("Stop the answer (Esc)" if self._busy else "Send (Enter)")
        self.send_button.setEnabled(self._busy or self._ready)

    def submit(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self._busy or not self._ready:
            return
        self.input.clear()
        self.send_requested.emit(text)

    def _on_send_button_clicked(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        else:
            self.submit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.input and event.type() == QEvent.Type.KeyPress:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            enter = key_event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if enter and not key_event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.submit()
                return True
        return super().eventFilter(watched, event)
