"""Settings → Local server on the real window: switched on, used by the official client while the
window answers too, opened to the network with a key shown once, switched off."""

from __future__ import annotations

import os
import socket
import threading

import openai
import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow
from desktop.ui.server_bridge import OFFLINE_NOTICE
from tests.fixtures.openai_clients import openai_client

LONG = 60_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def switch_on(window: MainWindow, port: int, network: bool = False, allow_switch: bool = False) -> None:
    dialog = window.open_settings()
    box = dialog.server
    assert box is not None
    box.enabled.setChecked(True)
    box.port.setValue(port)
    box.access.setCurrentIndex(box.access.findData("network" if network else "local"))
    box.allow_switch.setChecked(allow_switch)
    dialog.accept()


def test_the_server_serves_the_windows_model_while_the_window_answers(window: MainWindow, qtbot: QtBot) -> None:
    assert window.server is not None and not window.server.running  # off by default
    assert window.header.server_label.isHidden()
    port = free_port()
    switch_on(window, port)
    assert window.server.url == f"http://127.0.0.1:{port}/v1"
    qtbot.waitUntil(lambda: window.header.server_label.text() == "Local server: idle", timeout=LONG)
    assert window.settings_file_settings().server_enabled
    api = openai_client(window.server.url, "unused", timeout=LONG / 1000)

    # The window's own answer holds the engine (the tiny model streams until its 8k context is
    # full); a request from another app waits its turn, and the header says so.
    window.composer.input.setPlainText("a long answer, please")
    window.composer.submit()
    qtbot.waitUntil(lambda: window.controller.busy, timeout=LONG)
    answers: list[object] = []
    client = threading.Thread(target=lambda: answers.append(api.chat.completions.create(
        model="tiny-a", messages=[{"role": "user", "content": "hi"}], max_tokens=5)))
    client.start()
    qtbot.waitUntil(lambda: "serving 1 request" in window.header.server_label.text(), timeout=LONG)
    window.controller.stop()
    qtbot.waitUntil(lambda: not client.is_alive(), timeout=LONG)
    answer = answers[0]
    assert isinstance(answer, openai.types.chat.ChatCompletion) and answer.model == "tiny-a"
    assert answer.usage is not None and answer.usage.completion_tokens == 5
    qtbot.waitUntil(lambda: window.header.server_label.text() == "Local server: idle", timeout=LONG)

    dialog = window.open_settings()
    assert dialog.server is not None
    assert dialog.server.status.text().startswith(f"Running at http://127.0.0.1:{port}/v1 · idle")
    dialog.server.enabled.setChecked(False)
    dialog.accept()
    assert not window.server.running and window.header.server_label.isHidden()
    with pytest.raises(openai.APIConnectionError):
        api.models.list()


def test_the_local_network_needs_a_key_shown_once(window: MainWindow, qtbot: QtBot) -> None:
    assert window.server is not None
    dialog = window.open_settings()
    box = dialog.server
    assert box is not None and box.warning.isHidden() and box.key.text() == ""
    box.enabled.setChecked(True)
    box.port.setValue(free_port())
    box.access.setCurrentIndex(box.access.findData("network"))
    key = box.key.text()
    assert key.startswith("hearth-") and box.copy_key.isEnabled() and "only this once" in box.key_note.text()
    assert not box.warning.isHidden() and "Other devices on your network" in box.warning.text()
    box.copy_key.click()
    assert QGuiApplication.clipboard().text() == key
    assert not box.address.text().startswith("http://127.0.0.1")
    dialog.accept()
    assert window.server.running and window.server.url is not None
    local = f"http://127.0.0.1:{window.server.url.rsplit(':', 1)[1]}"
    with pytest.raises(openai.AuthenticationError):
        openai_client(local, "guess").models.list()
    assert openai_client(local, key).models.list().data[0].id == "tiny-a"

    again = window.open_settings()
    assert again.server is not None
    assert key not in again.server.key.text() and key[-4:] in again.server.key.text()  # shown once only
    assert not again.server.copy_key.isEnabled()
    again.reject()
    assert oct(os.stat(window.server.key_file).st_mode & 0o777) == "0o600"


def test_offline_mode_keeps_the_server_on_this_computer(window: MainWindow, qtbot: QtBot,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE")
    assert window.server is not None
    port = free_port()
    window.apply_settings(window.settings.with_changes(offline=True, server_enabled=True, server_port=port,
                                                       server_network=True))
    assert window.server.url == f"http://127.0.0.1:{port}/v1" and window.server.notice == OFFLINE_NOTICE
    assert openai_client(window.server.url, "x").models.list().data[0].id == "tiny-a"


def test_a_request_may_switch_the_windows_model_when_allowed(window: MainWindow, qtbot: QtBot) -> None:
    assert window.server is not None
    switch_on(window, free_port(), allow_switch=True)
    assert window.server.url is not None
    api = openai_client(window.server.url, "x", timeout=LONG / 1000)
    with qtbot.waitSignal(window.bridge.model_loaded, timeout=LONG):
        answer = api.chat.completions.create(model="tiny-b", messages=[{"role": "user", "content": "hi"}],
                                             max_tokens=2)
    assert answer.model == "tiny-b"
    qtbot.waitUntil(lambda: window.bridge.model is not None and window.bridge.model.path.name == "tiny-b.gguf",
                    timeout=LONG)
    assert window.header.model_selector.currentText() == "tiny-b"
