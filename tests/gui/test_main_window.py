"""The real window, driven as a user would: type, send, watch tokens arrive, stop."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.main_window import MainWindow
from models.engine import Engine
from models.worker import EngineWorker
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path):  # type: ignore[no-untyped-def]
    # A long context: the random model streams until it is full, so there is time to press Stop.
    model = write_tiny_model(tmp_path / "tiny-long.gguf", TinyModelSpec(context_length=8192))
    bridge = EngineBridge(EngineWorker(Engine()))
    win = MainWindow(bridge)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(bridge.model_loaded, timeout=30_000):
        win.load_model(model)
    yield win
    bridge.shutdown()


def test_the_loaded_model_is_named(window: MainWindow) -> None:
    assert window.model_label.text() == "tiny-long"
    assert window.send_button.isEnabled()
    assert window.loading_bar.isHidden()


def test_type_send_stream_and_stop(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClicks(window.input, "Hello Hearth")
    with qtbot.waitSignal(window.bridge.text_streamed, timeout=30_000):
        qtbot.keyClick(window.input, Qt.Key.Key_Return)
    assert window.input.toPlainText() == ""
    assert window.send_button.text() == "Stop"
    assert "Hello Hearth" in window.transcript.toPlainText()

    with qtbot.waitSignal(window.bridge.answer_finished, timeout=30_000) as finished:
        qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].stop_reason == "cancelled"
    assert window.send_button.text() == "Send"
    assert window.messages[-1]["role"] == "assistant"
    assert window.messages[-1]["content"] in window.transcript.toPlainText()
    assert "stopped" in window.transcript.toPlainText()


def test_escape_stops_and_shift_enter_adds_a_line(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClicks(window.input, "line one")
    qtbot.keyClick(window.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(window.input, "line two")
    assert window.input.toPlainText() == "line one\nline two"
    with qtbot.waitSignal(window.bridge.text_streamed, timeout=30_000):
        qtbot.keyClick(window.input, Qt.Key.Key_Return)
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=30_000) as finished:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert finished.args[0].stop_reason == "cancelled"


def test_a_broken_file_is_explained_and_the_model_stays(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model")
    with qtbot.waitSignal(window.bridge.model_failed, timeout=30_000):
        window.load_model(broken)
    text = window.transcript.toPlainText()
    assert "Cannot use model broken.gguf: it is not a GGUF model file." in text
    assert "Still using tiny-long." in text
    assert window.send_button.isEnabled()


def test_a_model_llama_cpp_refuses_leaves_no_model(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    odd = write_tiny_model(tmp_path / "odd.gguf", TinyModelSpec(architecture="frobnicator"))
    with qtbot.waitSignal(window.bridge.model_failed, timeout=30_000):
        window.load_model(odd)
    assert "unknown model architecture" in window.transcript.toPlainText()
    assert window.model_label.text() == "No model loaded"
    assert not window.send_button.isEnabled()
