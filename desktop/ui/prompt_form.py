"""The small form a saved prompt with variables opens: a field per variable, the filled text as it
will be sent, what is still missing, and Send. Built-ins ({{date}}, {{clipboard}}, {{file:…}}) are
filled as the preview is drawn; nothing with a `{{…}}` left in it can be sent."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.chats import FillContext, SavedPrompt, fill_partial, parse


class PromptForm(QDialog):
    sent = Signal(str)  # the filled text, to send now
    inserted = Signal(str)  # the filled text, to edit in the message box first

    def __init__(self, prompt: SavedPrompt, context: Callable[[], FillContext], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptForm")
        self.setWindowTitle(f"Prompt: {prompt.name}")
        self.setMinimumWidth(520)
        self.prompt = prompt
        self._parsed = parse(prompt.text)
        self._context = context
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for variable in self._parsed.variables:
            field = QLineEdit(objectName=f"variable_{variable.name}")
            if variable.default is not None:
                field.setPlaceholderText(f"{variable.default}  (default)")
            field.textChanged.connect(self.refresh)
            field.returnPressed.connect(self._on_field_return_pressed)
            self.fields[variable.name] = field
            form.addRow(variable.name.capitalize(), field)
        self.preview = QPlainTextEdit(objectName="promptPreview", readOnly=True)
        self.preview.setMinimumHeight(140)
        self.problems = QLabel(objectName="promptProblems", wordWrap=True)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox()
        self.send_button = QPushButton("Send", objectName="sendPromptButton")
        self.insert_button = QPushButton("Edit first", objectName="insertPromptButton",
                                         toolTip="Put the filled text in the message box to change it before sending")
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.insert_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.send_button.clicked.connect(self.send)
        self.insert_button.clicked.connect(self._on_insert_clicked)
        layout = QVBoxLayout(self)
        if prompt.description:
            layout.addWidget(QLabel(prompt.description, wordWrap=True))
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>What will be sent</b>"))
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        self.refresh()
        if self.fields:
            next(iter(self.fields.values())).setFocus()

    def values(self) -> dict[str, str]:
        return {name: field.text() for name, field in self.fields.items()}

    def filled(self) -> tuple[str, list[str]]:
        return fill_partial(self._parsed, self.values(), self._context())

    def refresh(self) -> None:
        text, problems = self.filled()
        self.preview.setPlainText(text)
        self.problems.setText("<br>".join(f"<span style='color:#cf222e'>{html.escape(p)}</span>" for p in problems))
        self.problems.setVisible(bool(problems))
        self.send_button.setEnabled(not problems)
        self.insert_button.setEnabled(not problems)

    def send(self) -> None:
        text, problems = self.filled()
        if problems:  # what the preview showed may have changed since (a file, the clipboard)
            self.refresh()
            return
        self.sent.emit(text)
        self.accept()

    def _on_insert_clicked(self) -> None:
        text, problems = self.filled()
        if problems:
            self.refresh()
            return
        self.inserted.emit(text)
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter moves through the fields, then sends (see below); QDialog would press a button at once.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if not self.fields:
                self.send()
            return
        super().keyPressEvent(event)

    def _on_field_return_pressed(self) -> None:
        fields = list(self.fields.values())
        current = next((i for i, field in enumerate(fields) if field.hasFocus()), len(fields) - 1)
        if current + 1 < len(fields):
            fields[current + 1].setFocus()
        else:
            self.send()
