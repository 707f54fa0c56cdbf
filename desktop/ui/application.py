"""Start Qt, show the window, load the model, run until the window closes."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.main_window import MainWindow
from models.worker import EngineWorker


def run_window(worker: EngineWorker, model_path: Path | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Hearth")
    app.setDesktopFileName("hearth")
    bridge = EngineBridge(worker)
    window = MainWindow(bridge)
    window.show()
    if model_path is not None:
        window.load_model(model_path)
    app.aboutToQuit.connect(bridge.shutdown)
    return app.exec()
