"""The real Hearth window, built the way the app builds it, on tiny generated models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

# Before pytest-qt creates the QApplication: no display is needed or used.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def models_dir(hearth_home: Path) -> Path:
    folder = hearth_home / "models"
    folder.mkdir(parents=True, exist_ok=True)
    # A long context: random models stream until it is full, so there is time to press Stop.
    write_tiny_model(folder / "tiny-a.gguf", TinyModelSpec(context_length=8192))
    write_tiny_model(folder / "tiny-b.gguf", TinyModelSpec(seed=1, name="Tiny B"))
    return folder


@pytest.fixture
def window(qtbot: QtBot, models_dir: Path) -> Iterator[object]:
    from desktop.app import create_window
    from desktop.paths import AppPaths

    win, _startup = create_window(AppPaths.default())
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitActive(win)  # window shortcuts (Esc, Ctrl+N...) only reach the active window
    win.controller.refresh_sidebar()
    with qtbot.waitSignal(win.bridge.model_loaded, timeout=30_000):
        win.load_model(models_dir / "tiny-a.gguf")
    yield win
    win.close()
    win.store.close()


@pytest.fixture(autouse=True)
def _starter_embedding_made_already(starter_embedding: Path | None) -> Path | None:
    """Every window finds the starter embedding model in its cache, as after a first run."""
    return starter_embedding
