"""Encryption from the window: Settings → Privacy, the lock screen (Ctrl+L, idle), a running answer
saved before locking, a wrong passphrase, a keychain that fails, forgetting everything."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QTextEdit, QTreeWidget, QWidget
from pytestqt.qtbot import QtBot

from desktop import sqlite_file
from desktop.chats import database_path
from desktop.paths import AppPaths
from desktop.privacy import Privacy
from desktop.ui.main_window import MainWindow
from tests.fixtures.keyrings import FailingKeyring

LONG = 30_000
PASSPHRASE = "correct horse battery staple"
SECRET = "narwhalsecret5519"


def visible_text(root: QWidget) -> str:
    """Every piece of text the window holds in its widgets (shown or not)."""
    parts: list[str] = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLabel | QLineEdit):
            parts.append(widget.text())
        elif isinstance(widget, QTextEdit | QPlainTextEdit):
            parts.append(widget.toPlainText())
        elif isinstance(widget, QTreeWidget):
            for index in range(widget.topLevelItemCount()):
                item = widget.topLevelItem(index)
                assert item is not None
                parts += [item.text(0)] + [item.child(i).text(0) for i in range(item.childCount())]
    return "\n".join(parts)


@pytest.fixture
def encrypted_window(qtbot: QtBot, models_dir: Path) -> Iterator[MainWindow]:
    from desktop.app import create_window

    paths = AppPaths.default().create()
    privacy = Privacy(paths)
    privacy.encrypt(PASSPHRASE)
    win, _startup = create_window(paths, privacy)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitActive(win)
    with qtbot.waitSignal(win.bridge.model_loaded, timeout=LONG):
        win.load_model(models_dir / "tiny-a.gguf")
    yield win
    win.close()
    win.store.close()


def answer(window: MainWindow, qtbot: QtBot, text: str, max_tokens: int = 6) -> None:
    window.settings_panel.fields["max_tokens"].setValue(max_tokens)
    window.composer.input.setPlainText(text)
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        window.composer.submit()


def test_lock_hides_the_text_and_a_wrong_passphrase_changes_nothing(encrypted_window: MainWindow,
                                                                      qtbot: QtBot) -> None:
    window = encrypted_window
    answer(window, qtbot, f"Remember {SECRET} for me")
    conversation = window.controller.conversation
    assert conversation is not None
    window.composer.input.setPlainText(f"draft about {SECRET}")
    assert SECRET in visible_text(window)

    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.privacy.locked
    assert SECRET not in visible_text(window)
    assert window.centralWidget() is window.privacy.lock_screen
    assert sqlite_file.is_locked()
    before = {p.name: p.read_bytes() for p in window.paths.data.iterdir() if p.is_file()}

    screen = window.privacy.lock_screen
    assert screen is not None
    qtbot.keyClicks(screen.passphrase, "not my passphrase")
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.unlock_button.isEnabled(), timeout=LONG)
    assert "does not unlock" in screen.message.text()
    assert window.privacy.locked and SECRET not in visible_text(window)
    assert {p.name: p.read_bytes() for p in window.paths.data.iterdir() if p.is_file()} == before

    screen.passphrase.setText(PASSPHRASE)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.privacy.locked, timeout=LONG)
    assert window.controller.conversation is not None and window.controller.conversation.id == conversation.id
    assert f"draft about {SECRET}" == window.composer.input.toPlainText()
    assert SECRET in visible_text(window)
    assert window.sidebar.conversation_ids() == [conversation.id]
    answer(window, qtbot, "and after unlocking")  # the store works again


def test_a_running_answer_is_saved_before_locking(encrypted_window: MainWindow, qtbot: QtBot) -> None:
    window = encrypted_window
    window.settings_panel.fields["max_tokens"].setValue(0)  # until the context is full
    window.composer.input.setPlainText("A long answer please")
    with qtbot.waitSignal(window.bridge.text_streamed, timeout=LONG):
        window.composer.submit()
    conversation = window.controller.conversation
    assert conversation is not None
    window.privacy.lock()
    assert not window.controller.busy
    window.privacy.unlock(PASSPHRASE)
    qtbot.waitUntil(lambda: not window.privacy.locked, timeout=LONG)
    thread = window.store.thread(conversation.id)
    assert [(m.role, m.status) for m in thread] == [("user", "complete"), ("assistant", "cancelled")]
    assert thread[1].content


def test_idle_lock(encrypted_window: MainWindow, qtbot: QtBot) -> None:
    window = encrypted_window
    window.privacy.idle_timer.setInterval(300)  # the setting is in minutes; the timer is what counts
    window.privacy.idle_timer.start()
    qtbot.waitUntil(lambda: window.privacy.locked, timeout=LONG)


def test_encrypt_from_settings_then_turn_it_off(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, f"Plain for now: {SECRET}")
    dialog = window.open_settings()
    section = dialog.privacy
    assert section is not None and "not encrypted" in section.status.text()
    assert not section.lock_button.isEnabled()
    assert not window.privacy.lock()  # nothing to lock yet: said in the status line, no dialog
    assert "encrypt your chats first" in window.header.status_label.text()
    qtbot.mouseClick(section.encrypt_button, Qt.MouseButton.LeftButton)
    encrypt = section.encrypt_dialog
    assert encrypt is not None
    encrypt.passphrase.setText("short")
    assert "Too short" in encrypt.hint.text()
    assert not encrypt.buttons.button(encrypt.buttons.StandardButton.Ok).isEnabled()
    encrypt.passphrase.setText(PASSPHRASE)
    encrypt.repeat.setText(PASSPHRASE)
    assert "Strength" in encrypt.hint.text()
    encrypt.confirm()
    qtbot.waitUntil(lambda: "Encrypted" in section.message.text(), timeout=LONG)
    assert sqlite_file.is_encrypted(database_path(window.paths))
    assert SECRET.encode() not in database_path(window.paths).read_bytes()
    assert window.controller.conversation is not None  # the same chat is shown again
    assert SECRET in visible_text(window)
    assert section.lock_button.isEnabled()

    section.turn_encryption_off()
    qtbot.waitUntil(lambda: "plain files again" in section.message.text(), timeout=LONG)
    assert not sqlite_file.is_encrypted(database_path(window.paths))
    answer(window, qtbot, "still works")
    dialog.close()


def test_a_failing_keychain_falls_back_to_a_passphrase(window: MainWindow, qtbot: QtBot) -> None:
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(FailingKeyring())
    try:
        dialog = window.open_settings()
        section = dialog.privacy
        assert section is not None
        section._on_encrypt_button_clicked()
        encrypt = section.encrypt_dialog
        assert encrypt is not None and encrypt.use_keychain.isEnabled()
        encrypt.use_keychain.setChecked(True)
        encrypt.confirm()
        qtbot.waitUntil(lambda: encrypt.message.isVisible(), timeout=LONG)
        assert "choose a passphrase instead" in encrypt.message.text()
        assert encrypt.use_passphrase.isChecked() and not encrypt.use_keychain.isEnabled()
        assert window.privacy.privacy.protection == "off"
        answer(window, qtbot, "nothing changed")
        dialog.close()
    finally:
        keyring.set_keyring(previous)


def test_forget_everything_from_the_window(encrypted_window: MainWindow, qtbot: QtBot) -> None:
    window = encrypted_window
    answer(window, qtbot, f"Forget {SECRET}")
    dialog = window.open_settings()
    section = dialog.privacy
    assert section is not None
    section.forget_everything()
    qtbot.waitUntil(lambda: "forgotten" in section.message.text(), timeout=LONG)
    assert window.store.list_conversations() == []
    assert not window.paths.data.joinpath("privacy.key").exists()
    assert SECRET not in visible_text(window)
    assert not sqlite_file.is_encrypted(database_path(window.paths))
    dialog.close()
    assert QApplication.instance() is not None
