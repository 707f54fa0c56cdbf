"""Settings → Privacy: encrypt the chats and documents (a passphrase with a strength hint, or this
computer's keychain), turn it off, lock after idle minutes, forget everything."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.privacy import keychain_problem, strength

if TYPE_CHECKING:
    from desktop.ui.privacy_controller import PrivacyController

FORGET_WARNING = ("Remove every chat, the documents index, the encryption key, the log and the caches for good? "
                  "Your models and your own documents stay.")


class EncryptDialog(QDialog):
    """How to keep the key: a passphrase (asked at every start) or this computer's keychain."""

    chosen = Signal(object, bool)  # passphrase (None with the keychain), use_keychain

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("encryptDialog")
        self.setWindowTitle("Encrypt my chats and documents")
        intro = QLabel("Hearth will encrypt your chats and the documents index on this computer. Without the key, "
                       "nobody can read them: not someone with your disk or a backup, and not Hearth either.",
                       wordWrap=True)
        self.use_passphrase = QRadioButton("With a passphrase, asked each time Hearth starts", checked=True)
        self.passphrase = QLineEdit(objectName="newPassphrase", echoMode=QLineEdit.EchoMode.Password,
                                    placeholderText="Passphrase (a few words are best)")
        self.repeat = QLineEdit(objectName="repeatPassphrase", echoMode=QLineEdit.EchoMode.Password,
                                placeholderText="Type it again")
        self.hint = QLabel(objectName="strengthHint", wordWrap=True)
        problem = keychain_problem()
        self.use_keychain = QRadioButton("With this computer's keychain (no passphrase to type)",
                                         objectName="useKeychain")
        self.keychain_note = QLabel(objectName="keychainNote", wordWrap=True)
        if problem:
            self.use_keychain.setEnabled(False)
            self.keychain_note.setText(f"No keychain here ({problem}): use a passphrase.")
        self.message = QLabel(objectName="noticeLabel", wordWrap=True)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Encrypt")
        ok.setObjectName("encryptConfirm")
        self.buttons.accepted.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (intro, self.use_passphrase, self.passphrase, self.repeat, self.hint, self.use_keychain,
                       self.keychain_note, self.message, self.buttons):
            layout.addWidget(widget)
        for signal in (self.passphrase.textChanged, self.repeat.textChanged, self.use_passphrase.toggled):
            signal.connect(self._update)
        self._update()

    def _update(self) -> None:
        with_passphrase = self.use_passphrase.isChecked()
        self.passphrase.setEnabled(with_passphrase)
        self.repeat.setEnabled(with_passphrase)
        verdict = strength(self.passphrase.text())
        self.hint.setText(f"Strength: {verdict.hint}" if with_passphrase and self.passphrase.text() else "")
        matching = self.passphrase.text() == self.repeat.text()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not with_passphrase or (verdict.acceptable and matching))
        if with_passphrase and self.repeat.text() and not matching:
            self.hint.setText(self.hint.text() + " The two passphrases differ.")

    def confirm(self) -> None:
        self.message.hide()
        keychain = self.use_keychain.isChecked()
        self.buttons.setEnabled(False)
        self.chosen.emit(None if keychain else self.passphrase.text(), keychain)

    def show_failure(self, text: str) -> None:
        """Encrypting failed (nothing changed); a failing keychain falls back to the passphrase."""
        self.buttons.setEnabled(True)
        if self.use_keychain.isChecked():
            self.use_keychain.setEnabled(False)
            self.use_passphrase.setChecked(True)
            self.keychain_note.setText("The keychain could not be used: choose a passphrase instead.")
        self.message.setText(text)
        self.message.show()


class PrivacySection(QWidget):
    """The Privacy box of the settings dialog."""

    def __init__(self, controller: PrivacyController, lock_after_minutes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.status = QLabel(objectName="privacyStatus", wordWrap=True)
        self.encrypt_button = QPushButton(objectName="encryptButton")
        self.encrypt_button.clicked.connect(self._on_encrypt_button_clicked)
        self.lock_after = QSpinBox(objectName="lockAfter", minimum=0, maximum=24 * 60, suffix=" min",
                                   specialValueText="Never", value=lock_after_minutes)
        self.lock_button = QPushButton("Lock now (Ctrl+L)", objectName="lockNowButton")
        self.lock_button.clicked.connect(controller.lock)
        self.forget_button = QPushButton("Forget everything…", objectName="forgetButton")
        self.forget_button.clicked.connect(self._on_forget_button_clicked)
        self.message = QLabel(objectName="privacyMessage", wordWrap=True)
        self.message.hide()
        self.encrypt_dialog: EncryptDialog | None = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.encrypt_button)
        buttons.addWidget(self.lock_button)
        buttons.addStretch(1)
        buttons.addWidget(self.forget_button)
        form = QFormLayout()
        form.addRow("Lock after idle", self.lock_after)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        protection = self.controller.privacy.protection
        self.status.setText(self.controller.privacy.status().describe())
        encrypted = protection != "off"
        self.encrypt_button.setText("Turn encryption off…" if encrypted else "Encrypt my chats and documents…")
        self.lock_button.setEnabled(encrypted)
        self.lock_after.setEnabled(encrypted)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _on_encrypt_button_clicked(self) -> None:
        if self.controller.encrypted:
            answer = QMessageBox.question(self, "Turn encryption off",
                                          "Store your chats and documents as plain files again?")
            if answer == QMessageBox.StandardButton.Yes:
                self.turn_encryption_off()
            return
        dialog = self.encrypt_dialog = EncryptDialog(self)
        dialog.chosen.connect(self.encrypt)
        dialog.show()

    def encrypt(self, passphrase: str | None, use_keychain: bool) -> None:
        def done(message: str | None) -> None:
            self.refresh()
            if self.encrypt_dialog is not None and message is not None:
                self.encrypt_dialog.show_failure(message)
                return
            if self.encrypt_dialog is not None:
                self.encrypt_dialog.accept()
            self._say("Encrypted. " + ("Hearth will ask for your passphrase at start." if passphrase else
                                       "The key is in this computer's keychain."))

        self.controller.encrypt(passphrase, use_keychain, done)

    def turn_encryption_off(self) -> None:
        def done(message: str | None) -> None:
            self.refresh()
            self._say(message or "Your chats and documents are plain files again; the key is removed.")

        self.controller.decrypt(done)

    def _on_forget_button_clicked(self) -> None:
        answer = QMessageBox.warning(self, "Forget everything", FORGET_WARNING,
                                     QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                     QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            self.forget_everything()

    def forget_everything(self) -> None:
        def done(message: str | None) -> None:
            self.refresh()
            self._say(message or "Everything is forgotten: no chats, no documents index, no key, no log.")

        self.controller.forget_everything(done)
