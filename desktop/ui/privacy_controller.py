"""Locking the window and changing encryption from it.

Locking saves a running answer, closes the chat database and the documents index, forgets the
key, and takes every piece of chat text out of the window (the transcript, the chat list, the
draft, the system prompt, other windows showing prompts) behind the lock screen. Unlocking
opens the files again and shows the same conversation. Idle lock: no key or mouse input for the
chosen minutes locks the same way.

Encrypting, decrypting and forgetting close the files the same way, run on a worker thread with
a progress bar, then open the files again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from desktop.privacy import Privacy, Progress
from desktop.ui.lock_screen import LockScreen
from desktop.ui.tasks import BackgroundTasks, GuiRelay, TaskFailure

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

_INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel}


class PrivacyController(QObject):
    def __init__(self, window: MainWindow, privacy: Privacy) -> None:
        super().__init__(window)
        self.window, self.privacy = window, privacy
        self.tasks = BackgroundTasks(self, threads=1)
        self._relay = GuiRelay(self)
        self.lock_screen: LockScreen | None = None
        self._saved: dict[str, object] = {}
        self._central: QWidget | None = None
        self._disabled: list[QAction] = []
        self.idle_timer = QTimer(self, singleShot=True)
        self.idle_timer.timeout.connect(self._on_idle_timer_timeout)
        self._watching = False

    @property
    def locked(self) -> bool:
        return self.lock_screen is not None

    @property
    def encrypted(self) -> bool:
        return self.privacy.protection != "off"

    # -- idle --------------------------------------------------------------------------------

    def set_idle_minutes(self, minutes: int) -> None:
        self.idle_timer.stop()
        self.idle_timer.setInterval(max(0, minutes) * 60_000)
        app = QApplication.instance()
        # Every event of the app passes the filter while it is installed: only when it is needed.
        if minutes > 0 and not self._watching and app is not None:
            app.installEventFilter(self)
            self._watching = True
        elif minutes <= 0 and self._watching and app is not None:
            app.removeEventFilter(self)
            self._watching = False
        if minutes > 0:
            self.idle_timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self.idle_timer.interval() > 0 and not self.locked:
            self.idle_timer.start()
        return False

    def _on_idle_timer_timeout(self) -> None:
        if self.encrypted and not self.locked and not self.tasks.pending:
            log.info("Locking after %d idle minutes", self.idle_timer.interval() // 60_000)
            self.lock()

    # -- locking -----------------------------------------------------------------------------

    def lock(self) -> bool:
        """Lock now; False (and a message) when the chats are not encrypted."""
        if self.locked:
            return True
        if not self.encrypted:
            self.window.header.status_label.setText(
                "Nothing to lock: encrypt your chats first (Settings → Privacy).")
            return False
        self._saved = self._hide_chat_text()  # saves a running answer first
        self._close_files()
        self.privacy.lock()
        for widget in QApplication.topLevelWidgets():
            if widget is not self.window and widget.isVisible() and widget.isWindow():
                widget.hide()  # the template doctor shows prompts; dialogs show titles
        self._disabled = [a for a in self.window.findChildren(QAction) if a.isEnabled()]
        for action in self._disabled:
            action.setEnabled(False)
        self.window.setAcceptDrops(False)
        screen = self.lock_screen = LockScreen(self.privacy.needs_passphrase)
        screen.unlock_requested.connect(self.unlock)
        self._central = self.window.takeCentralWidget()
        self.window.setCentralWidget(screen)
        screen.reset()
        return True

    def _hide_chat_text(self) -> dict[str, object]:
        """Save a running answer and take every chat text out of the window (the draft is kept
        in memory); what `_show_chat_text` needs to show the same chat again."""
        composer = self.window.composer.input
        draft = composer.toPlainText()
        composer.clear()
        return {"conversation": self.window.controller.hide_text(), "draft": draft}

    def _show_chat_text(self, saved: dict[str, object]) -> None:
        conversation = saved.get("conversation")
        self.window.controller.show_text(conversation if isinstance(conversation, int) else None)
        self.window.composer.input.setPlainText(str(saved.get("draft") or ""))
        self.window.documents_panel.refresh()  # the index was closed; forgetting may have emptied it

    def _release_documents(self) -> None:
        """Close the documents index; waits for a file being indexed to stop."""
        if not self.window.documents.worker.release().wait(30):
            log.warning("The documents index did not close within 30 s")

    def _close_files(self) -> None:
        self.window.store.suspend()
        self._release_documents()

    def unlock(self, passphrase: str) -> None:
        """Check the passphrase on a worker thread (the KDF takes a moment), then reopen."""
        screen = self.lock_screen
        if screen is None:
            return
        screen.set_busy(True)
        self.tasks.run(lambda: self.privacy.unlock(passphrase or None), lambda _r: self._on_unlocked(),
                       lambda failure: screen.show_error(failure.message))

    def _on_unlocked(self) -> None:
        screen = self.lock_screen
        if screen is None:
            return
        try:
            self.window.store.resume()
        except Exception as exc:  # the key fits the key file but not the database: say so, stay locked
            self.privacy.lock()
            screen.show_error(str(exc))
            return
        self.window.takeCentralWidget()
        screen.deleteLater()
        self.lock_screen = None
        assert self._central is not None
        self.window.setCentralWidget(self._central)
        for action in self._disabled:
            action.setEnabled(True)
        self.window.setAcceptDrops(True)
        self._show_chat_text(self._saved)
        self._saved = {}
        if self.idle_timer.interval() > 0:
            self.idle_timer.start()

    # -- converting --------------------------------------------------------------------------

    def encrypt(self, passphrase: str | None, use_keychain: bool, done: Callable[[str | None], None]) -> None:
        """`done(None)` when encrypted, `done(message)` when not (nothing changed)."""
        self._convert("Encrypting your chats and documents…",
                      lambda progress: self.privacy.encrypt(passphrase, use_keychain, progress), done)

    def decrypt(self, done: Callable[[str | None], None]) -> None:
        self._convert("Decrypting your chats and documents…", self.privacy.decrypt, done)

    def forget_everything(self, done: Callable[[str | None], None]) -> None:
        self._convert("Forgetting everything…", lambda _progress: self.privacy.forget_everything(), done)

    def _convert(self, title: str, work: Callable[[Progress], object], done: Callable[[str | None], None]) -> None:
        saved = self._hide_chat_text()
        self._close_files()
        dialog = QProgressDialog(title, "", 0, 1000, self.window, objectName="privacyProgress")
        dialog.setCancelButton(None)  # half a conversion is safe but pointless: it finishes at next unlock
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setValue(0)

        def progress(fraction: float, text: str) -> None:
            dialog.setLabelText(text)
            dialog.setValue(int(fraction * 1000))

        def reopen(message: str | None) -> None:
            dialog.close()
            try:
                self.window.store.resume()
            except Exception as exc:
                message = message or str(exc)
            self._show_chat_text(saved)
            done(message)

        relayed = self._relay.to_gui(progress)
        self.tasks.run(lambda: work(relayed), lambda _r: reopen(None),
                       lambda failure: reopen(_failure_text(failure)))


def _failure_text(failure: TaskFailure) -> str:
    return failure.message
