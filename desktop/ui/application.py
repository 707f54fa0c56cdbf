"""Start Qt, build the window from the app's services, load the model, run until the window closes."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLoggingCategory
from PySide6.QtWidgets import QApplication

from desktop.chats import ChatStore
from desktop.paths import AppPaths
from desktop.settings import SettingsFile
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.main_window import MainWindow
from desktop.ui.themes import ThemeManager
from models.worker import EngineWorker


def application() -> QApplication:
    # Font fallback chatter ("OpenType support missing for ...") says nothing a user can act on.
    QLoggingCategory.setFilterRules("qt.text.font.db.info=false")
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Hearth")
    app.setApplicationDisplayName("Hearth")
    app.setDesktopFileName("hearth")
    return app


def build_window(
    worker: EngineWorker,
    store: ChatStore,
    settings_file: SettingsFile,
    models: list[tuple[str, Path]],
    paths: AppPaths,
) -> MainWindow:
    app = application()
    settings = settings_file.load()
    theme = ThemeManager(app, settings.theme, settings.font_size)
    bridge = EngineBridge(worker)
    window = MainWindow(bridge, store, settings_file, theme, models, paths)
    app.aboutToQuit.connect(bridge.shutdown)
    return window


def run_window(window: MainWindow, model_path: Path | None) -> int:
    window.show()
    window.controller.refresh_sidebar()
    if model_path is not None:
        window.load_model(model_path)
    return application().exec()
