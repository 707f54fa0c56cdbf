"""What Hearth shows while the chats are locked: a passphrase field (or, with the key in the
keychain, one button), and a plain sentence when the passphrase is wrong. Used inside the
window (Lock now, idle lock) and, at start, in a small dialog of its own."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.privacy import Privacy, PrivacyError


class LockScreen(QWidget):
    unlock_requested = Signal(str)  # the passphrase ("" with the keychain)

    def __init__(self, needs_passphrase: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        title = QLabel("Hearth is locked", objectName="lockTitle", alignment=Qt.AlignmentFlag.AlignCenter)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        title.setFont(font)
        explanation = QLabel(
            "Your chats and documents are encrypted on this computer."
            + (" Enter your passphrase to open them." if needs_passphrase else
               " Unlock them with this computer's keychain."),
            wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.passphrase = QLineEdit(objectName="lockPassphrase", placeholderText="Passphrase",
                                    echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setVisible(needs_passphrase)
        self.passphrase.returnPressed.connect(self._on_unlock_clicked)
        self.unlock_button = QPushButton("Unlock", objectName="unlockButton", default=True)
        self.unlock_button.clicked.connect(self._on_unlock_clicked)
        self.message = QLabel(objectName="lockMessage", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.message.hide()

        column = QWidget()
        column.setFixedWidth(420)  # wrapped labels need a width to compute their height
        inner = QVBoxLayout(column)
        for widget in (title, explanation, self.passphrase, self.unlock_button, self.message):
            inner.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

    def _on_unlock_clicked(self) -> None:
        self.set_busy(True)
        self.unlock_requested.emit(self.passphrase.text())

    def set_busy(self, busy: bool) -> None:
        self.unlock_button.setEnabled(not busy)
        self.passphrase.setEnabled(not busy)
        if busy:
            self.message.setText("Unlocking…")
            self.message.show()

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.message.setText(text)
        self.message.show()
        self.passphrase.selectAll()
        self.passphrase.setFocus()

    def reset(self) -> None:
        self.passphrase.clear()
        self.message.hide()
        self.set_busy(False)
        self.passphrase.setFocus()


def unlock_at_start(privacy: Privacy) -> bool:
    """Ask for the passphrase before the window opens; False when the user closed the dialog."""
    dialog = QDialog(objectName="unlockDialog", windowTitle="Hearth")
    screen = LockScreen(True, dialog)
    QVBoxLayout(dialog).addWidget(screen)
    dialog.resize(480, 320)

    def attempt(passphrase: str) -> None:
        try:
            privacy.unlock(passphrase)
        except PrivacyError as exc:
            screen.show_error(str(exc))
        else:
            dialog.accept()

    screen.unlock_requested.connect(attempt)
    screen.reset()
    return dialog.exec() == QDialog.DialogCode.Accepted
