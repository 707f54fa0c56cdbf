"""Start Qt, build the window from the app's services, load the model, run until the window closes."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from PySide6.QtCore import QLoggingCategory
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from desktop.chats import ChatStore
from desktop.data_location import DataMoveError, apply_pending_move, pending_move
from desktop.documents import DocumentWorker
from desktop.paths import AppPaths
from desktop.privacy import Privacy
from desktop.settings import SettingsFile
from desktop.sqlite_file import move_aside
from desktop.ui.documents_bridge import DocumentsBridge
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.icons import app_icon
from desktop.ui.main_window import MainWindow
from desktop.ui.markdown import warm_up_lexers
from desktop.ui.model_manager import ModelServices
from desktop.ui.server_bridge import ServerBridge
from desktop.ui.themes import ThemeManager
from models.engine import EngineWorker


def application() -> QApplication:
    # Font fallback chatter ("OpenType support missing for ...") says nothing a user can act on.
    QLoggingCategory.setFilterRules("qt.text.font.db.info=false")
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Hearth")
    app.setApplicationDisplayName("Hearth")
    app.setDesktopFileName("hearth")
    app.setWindowIcon(app_icon())
    return app


def move_data_folder(paths: AppPaths) -> AppPaths:
    """Carry out a data folder move requested in the settings, with a progress bar, before
    anything opens a file in the folder; returns the paths to use."""
    if not paths.movable or pending_move(paths.config) is None:
        return paths
    dialog = QProgressDialog("Moving Hearth's data…", "", 0, 1000)
    dialog.setCancelButton(None)  # half a move is worse than waiting
    dialog.setMinimumDuration(0)

    def progress(done: int, total: int) -> None:
        dialog.setValue(int(1000 * done / total) if total else 1000)
        QApplication.processEvents()

    try:
        apply_pending_move(paths.config, progress)
    except DataMoveError as exc:
        QMessageBox.warning(None, "Hearth", str(exc))
    dialog.close()
    return AppPaths.default()


def say(text: str) -> None:
    """A message before the window exists."""
    QMessageBox.warning(None, "Hearth", text)


def offer_fresh_start(problem: str, database: Path) -> bool:
    """The chat database is damaged: move it aside (kept for recovery) and start a fresh one?"""
    answer = QMessageBox.question(
        None, "Hearth", f"{problem}\n\nMove it aside and start with an empty chat list? The damaged file stays in "
        f"{database.parent}, named {database.name}.damaged-N, for recovery.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    if answer != QMessageBox.StandardButton.Yes:
        return False
    move_aside(database)
    return True


def build_window(
    worker: EngineWorker,
    store: ChatStore,
    settings_file: SettingsFile,
    models: list[tuple[str, Path]],
    paths: AppPaths,
    documents: DocumentWorker,
    model_services: ModelServices | None = None,
    privacy: Privacy | None = None,
) -> MainWindow:
    app = application()
    threading.Thread(target=warm_up_lexers, name="hearth-lexers", daemon=True).start()
    settings = settings_file.load()
    theme = ThemeManager(app, settings.theme, settings.font_size)
    bridge = EngineBridge(worker)
    server = ServerBridge(worker, bridge, paths)  # the local server shares the window's engine worker
    window = MainWindow(bridge, store, settings_file, theme, models, paths, DocumentsBridge(documents), model_services,
                        privacy, server)
    server.status_changed.connect(window.header.set_server_status)
    app.aboutToQuit.connect(server.shutdown)
    app.aboutToQuit.connect(bridge.shutdown)
    server.apply(settings)
    return window


def run_window(window: MainWindow, model_path: Path | None) -> int:
    window.show()
    window.controller.refresh_sidebar()
    if model_path is not None:
        window.load_model(model_path)
    if not window.settings.first_run_done:
        window.show_welcome()
    return application().exec()
