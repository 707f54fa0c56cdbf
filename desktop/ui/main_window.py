"""The Hearth window: a transcript, a message box, Send/Stop, and the loaded model's name."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.engine_bridge import EngineBridge
from models.types import GenerationStats, ModelInfo

ROLE_NAMES = {"user": "You", "assistant": "Hearth"}


class _EnterSends(QObject):
    """Enter sends the message; Shift+Enter starts a new line."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            enter = key_event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if enter and not key_event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self._window.send()
                return True
        return False


class MainWindow(QMainWindow):
    def __init__(self, bridge: EngineBridge) -> None:
        super().__init__()
        self.bridge = bridge
        self.messages: list[dict[str, str]] = []
        self._answer = ""
        self.setWindowTitle("Hearth")
        self.resize(900, 700)

        self.model_label = QLabel("No model loaded", objectName="modelLabel")
        self.status_label = QLabel("", objectName="statusLabel")
        self.loading_bar = QProgressBar(objectName="loadingBar", maximumWidth=160)
        self.loading_bar.setRange(0, 0)  # busy: llama.cpp reports no load progress we can trust
        self.loading_bar.hide()
        header = QHBoxLayout()
        header.addWidget(self.model_label, 1)
        header.addWidget(self.loading_bar)
        header.addWidget(self.status_label)

        self.transcript = QTextBrowser(objectName="transcript", openExternalLinks=True)
        self.input = QPlainTextEdit(objectName="messageInput", placeholderText="Message Hearth…  (Enter sends)")
        self.input.setMaximumHeight(110)
        self.input.installEventFilter(_EnterSends(self))
        self.send_button = QPushButton("Send", objectName="sendButton", enabled=False)
        self.send_button.clicked.connect(self._on_send_button_clicked)
        composer = QHBoxLayout()
        composer.addWidget(self.input, 1)
        composer.addWidget(self.send_button)

        layout = QVBoxLayout()
        layout.addLayout(header)
        layout.addWidget(self.transcript, 1)
        layout.addLayout(composer)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.stop)

        bridge.model_loading.connect(self._on_bridge_model_loading)
        bridge.model_loaded.connect(self._on_bridge_model_loaded)
        bridge.model_failed.connect(self._on_bridge_model_failed)
        bridge.text_streamed.connect(self._on_bridge_text_streamed)
        bridge.answer_finished.connect(self._on_bridge_answer_finished)
        bridge.answer_failed.connect(self._on_bridge_answer_failed)

    # -- actions -------------------------------------------------------------------------

    def load_model(self, path: Path) -> None:
        self.bridge.load(path)

    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self.bridge.busy or self.bridge.model is None:
            return
        self.input.clear()
        self.messages.append({"role": "user", "content": text})
        self._append_heading("user")
        self._append_text(text)
        self._append_heading("assistant")
        self._answer = ""
        self.bridge.send(self.messages)
        self._set_busy(True)

    def stop(self) -> None:
        self.bridge.stop()

    def _on_send_button_clicked(self) -> None:
        if self.bridge.busy:
            self.stop()
        else:
            self.send()

    # -- transcript ----------------------------------------------------------------------

    def _cursor_at_end(self) -> QTextCursor:
        cursor = self.transcript.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor

    def _append_heading(self, role: str) -> None:
        cursor = self._cursor_at_end()
        if not self.transcript.document().isEmpty():
            cursor.insertBlock()
        cursor.insertHtml(f"<b>{html.escape(ROLE_NAMES.get(role, role))}</b>")
        cursor.insertBlock()

    def _append_text(self, text: str, style: str = "") -> None:
        cursor = self._cursor_at_end()
        if style:
            cursor.insertHtml(f'<span style="{style}">{html.escape(text)}</span>')
        else:
            # Insert as plain text: appending costs the new characters only, never a re-render.
            cursor.insertText(text, QTextCharFormat())
        self.transcript.verticalScrollBar().setValue(self.transcript.verticalScrollBar().maximum())

    def _set_busy(self, busy: bool) -> None:
        self.send_button.setText("Stop" if busy else "Send")
        self.send_button.setEnabled(busy or self.bridge.model is not None)

    # -- engine events -------------------------------------------------------------------

    def _on_bridge_model_loading(self, name: str) -> None:
        self.model_label.setText(f"Loading {name}…")
        self.loading_bar.show()
        self.send_button.setEnabled(False)

    def _on_bridge_model_loaded(self, info: ModelInfo) -> None:
        self.loading_bar.hide()
        self.model_label.setText(f"{info.name}")
        self.model_label.setToolTip(f"{info.architecture}, {info.context_length:,}-token context, {info.backend}")
        self.status_label.setText(f"Ready · {info.backend}")
        self.send_button.setEnabled(True)
        self.input.setFocus()

    def _on_bridge_model_failed(self, message: str, still_loaded: ModelInfo | None) -> None:
        self._append_notice(message)
        if still_loaded is not None:
            self._on_bridge_model_loaded(still_loaded)
            self._append_notice(f"Still using {still_loaded.name}.")
            return
        self.loading_bar.hide()
        self.model_label.setText("No model loaded")
        self.status_label.setText("")

    def _on_bridge_text_streamed(self, text: str) -> None:
        self._answer += text
        self._append_text(text)

    def _on_bridge_answer_finished(self, stats: GenerationStats) -> None:
        if self._answer:
            self.messages.append({"role": "assistant", "content": self._answer})
        stopped = " · stopped" if stats.stop_reason == "cancelled" else ""
        self._append_notice(
            f"{stats.generated_tokens} tokens · {stats.generation_tokens_per_s:.1f} tok/s · "
            f"first token {stats.time_to_first_token_s * 1000:.0f} ms{stopped}"
        )
        self._set_busy(False)

    def _on_bridge_answer_failed(self, message: str) -> None:
        # The unanswered message stays in the transcript but leaves the history sent to the model.
        if self.messages and self.messages[-1]["role"] == "user":
            self.messages.pop()
        self._append_notice(message)
        self._set_busy(False)

    def _append_notice(self, text: str) -> None:
        self._cursor_at_end().insertBlock()
        self._append_text(text, style="color: gray; font-size: small")
        self._cursor_at_end().insertBlock()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.bridge.shutdown()
        super().closeEvent(event)
