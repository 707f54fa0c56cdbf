"""The real app crashes inside the engine mid-answer (a real SIGSEGV); the next window says so,
shows the conversation with its partial answer, and offers safe mode, which then answers and is
remembered."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.chats import ChatStore, database_path
from desktop.paths import AppPaths
from desktop.settings import AppSettings, SettingsFile
from desktop.ui.main_window import MainWindow
from models.engine import SafeModeMemory, StepMarker
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

LONG = 60_000


def _streaming_text() -> str:
    with ChatStore(database_path(AppPaths.default())) as store:
        answers = [m for c in store.list_conversations() for m in store.thread(c.id) if m.status == "streaming"]
    return answers[0].content if answers else ""


@pytest.fixture
def crashed(tmp_path: Path) -> Path:
    """Run the real app on a slow model and make its engine crash once the partial answer is
    saved; the model's path."""
    model = write_tiny_model(tmp_path / "slow.gguf", TinyModelSpec(context_length=8192, n_embd=256, n_ff=768,
                                                                  n_layers=4, n_head=8, n_head_kv=4))
    trigger = tmp_path / "crash-now"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HEARTH_TEST_CRASH": "generate",
           "HEARTH_TEST_CRASH_WHEN": str(trigger)}
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr, subprocess.Popen([sys.executable, "-m", "tests.gui.crash_app", str(model)],
                                                   env=env, stdout=subprocess.PIPE, stderr=stderr, text=True) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "STREAMING", log.read_text()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(_streaming_text()) <= 20:
                time.sleep(0.2)
            trigger.touch()
            assert proc.wait(60) == -11, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
    return model


@pytest.fixture
def window(qtbot: QtBot, crashed: Path) -> Iterator[tuple[MainWindow, Path | None]]:
    from desktop.app import create_window

    win, startup = create_window(AppPaths.default())
    qtbot.addWidget(win)
    win.show()
    yield win, startup
    win.close()
    win.store.close()


def test_the_next_window_says_what_crashed_keeps_the_answer_and_safe_mode_works(
    window: tuple[MainWindow, Path | None], crashed: Path, qtbot: QtBot
) -> None:
    win, startup = window
    notice = win.crash_notice
    assert startup is None  # the model that crashed is not loaded again blindly
    assert notice.isVisible() and notice.safe_mode_button.isVisible()
    assert "Hearth stopped unexpectedly while answering with slow on CPU." in notice.text.text()
    assert "Your conversation is saved" in notice.text.text()
    assert notice.dismiss_button.text() == "Load slow normally"

    # The conversation it was answering is open, with the partial answer as far as it was saved.
    assert win.controller.conversation is not None
    thread = win.store.thread(win.controller.conversation.id)
    assert [(m.role, m.status) for m in thread] == [
        ("user", "complete"), ("assistant", "complete"), ("user", "complete"), ("assistant", "interrupted"),
    ]
    assert len(thread[3].content) > 20
    assert win.view.widgets[thread[3].id].text == thread[3].content

    with qtbot.waitSignal(win.bridge.model_loaded, timeout=LONG) as loaded:
        qtbot.mouseClick(notice.safe_mode_button, Qt.MouseButton.LeftButton)
    info = loaded.args[0]
    assert info.path == crashed and info.safe_mode
    assert (info.context_length, info.gpu_layers, info.flash_attention, info.extra_buffers) == (2048, 0, False, False)
    assert not notice.isVisible() and "safe mode" in win.header.status_label.text()
    memory = SafeModeMemory(AppPaths.default().safe_mode_file)
    assert memory.get(crashed).state == "trial"  # type: ignore[union-attr]

    win.settings_panel.fields["max_tokens"].setValue(4)
    win.composer.input.setPlainText("Try again, please")
    with qtbot.waitSignal(win.bridge.answer_finished, timeout=LONG) as finished:
        win.composer.submit()
    assert finished.args[0].generated_tokens == 4
    assert memory.get(crashed).state == "works"  # type: ignore[union-attr]
    assert "Safe mode works with slow" in win.header.status_label.text()

    win.copy_diagnostics()
    report = QGuiApplication.clipboard().text()
    assert "Last crash:" in report and "Segmentation fault" in report and "while answering with slow" in report
    assert "long answer" not in report and "Try again" not in report  # never chat text


def test_dismissing_loads_the_model_normally(qtbot: QtBot, tmp_path: Path) -> None:
    """A marker left by a process that is gone, as a crash while loading leaves it."""
    from desktop.app import create_window

    paths = AppPaths.default().create()
    model = write_tiny_model(paths.models / "tiny.gguf")
    SettingsFile(paths.settings_file).save(AppSettings(last_model=str(model)))
    marker = StepMarker(paths.step_markers)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    record = replace(marker.record("load", model, "tiny", "CPU", {"context": 2048}, ""), pid=int(gone.stdout))
    record.save(paths.step_markers / f"step-{record.pid}.json")

    win, startup = create_window(paths)
    qtbot.addWidget(win)
    win.show()
    assert startup is None and "while loading tiny on CPU" in win.crash_notice.text.text()
    assert "Your conversations are safe" in win.crash_notice.text.text()
    with qtbot.waitSignal(win.bridge.model_loaded, timeout=LONG) as loaded:
        qtbot.mouseClick(win.crash_notice.dismiss_button, Qt.MouseButton.LeftButton)
    assert loaded.args[0].path == model and not loaded.args[0].safe_mode
    assert SafeModeMemory(paths.safe_mode_file).get(model) is None and not win.crash_notice.isVisible()
    win.close()
    win.store.close()
