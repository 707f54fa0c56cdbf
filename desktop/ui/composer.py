"""The message box: Enter sends, Shift+Enter starts a new line; the button turns into Stop.

While another chat's answer is being written (the engine writes one at a time), this chat's
box keeps what is typed and a note above it says why it cannot be sent yet; the note comes
back whenever Enter is pressed meanwhile.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

MIN_LINES, MAX_LINES = 2, 8


class Composer(QWidget):
    send_requested = Signal(str)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input = QPlainTextEdit(objectName="messageInput",
                                    placeholderText="Message Hearth…  (Enter sends, Shift+Enter for a new line)")
        self.input.installEventFilter(self)
        # As tall as what is typed, from 2 to 8 lines: a short window keeps its room for the chat.
        self.input.textChanged.connect(self._fit_height)
        self.send_button = QPushButton("Send", objectName="sendButton")
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.note = QLabel(objectName="composerNote", wordWrap=True)
        self.note.hide()
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 4, 24, 12)
        layout.setSpacing(2)
        layout.addWidget(self.note)
        layout.addLayout(row)
        self._busy = False
        self._ready = False
        self._waiting = ""
        self._update_button()
        self._fit_height()

    def _fit_height(self) -> None:
        lines = max(MIN_LINES, min(MAX_LINES, int(self.input.document().size().height())))
        frame = 2 * (self.input.frameWidth() + int(self.input.document().documentMargin()))
        height = lines * self.input.fontMetrics().lineSpacing() + frame + 2
        if height != self.input.height():
            self.input.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()  # long lines wrap differently at another width

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_height()

    def set_busy(self, busy: bool) -> None:
        """Whether this chat's answer is being written: the button stops it."""
        self._busy = busy
        self._update_button()

    def set_waiting(self, reason: str) -> None:
        """Why a message cannot be sent now (another chat is answering); "" when it can."""
        self._waiting = reason
        self.note.setText(reason)
        self.note.setVisible(bool(reason))
        self._update_button()

    def set_ready(self, ready: bool) -> None:
        """Whether a model is loaded, so a message can be answered."""
        self._ready = ready
        self._update_button()

    def _update_button(self) -> None:
        self.send_button.setText("Stop" if self._busy else "Send")
        self.send_button.setToolTip("Stop the answer (Esc)" if self._busy else self._waiting or "Send (Enter)")
        self.send_button.setEnabled(self._busy or (self._ready and not self._waiting))

    def submit(self) -> None:
        text = self.input.toPlainText().strip()
        if self._waiting and text:
            self.note.setText(self._waiting)
            self.note.show()
            return  # the text stays in the box
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
