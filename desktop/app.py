"""Composition root: paths, settings and services, handed to the window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.chats import ChatStore, database_path
from desktop.documents import DocumentWorker
from desktop.documents import database_path as documents_database
from desktop.logs import configure_file_logging
from desktop.paths import AppPaths
from desktop.settings import SettingsFile, apply_network_policy, engine_settings
from models.engine import Engine, EngineWorker
from models.library import STARTER_NAME, Library, chat_models, starter_model_path

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow
    from desktop.ui.model_manager import ModelServices

log = logging.getLogger(__name__)

def available_models(paths: AppPaths) -> list[tuple[str, Path]]:
    starter = starter_model_path()
    models = [(STARTER_NAME, starter)] if starter else []
    # Embedding models (for document search) cannot chat: they stay out of the model selector.
    return models + [(model.name, model.path) for model in chat_models(paths.models) if model.available]


def startup_model(paths: AppPaths, settings_file: SettingsFile) -> Path | None:
    """The default model if one is chosen, else the model used last, while the file exists;
    otherwise the starter model."""
    settings = settings_file.load()
    for candidate in (settings.default_model, settings.last_model):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return starter_model_path()


def create_window(paths: AppPaths) -> tuple[MainWindow, Path | None]:
    """Everything the window needs, built from the data folder; Qt is imported here, lazily."""
    from desktop.ui.application import build_window

    paths.create()
    settings_file = SettingsFile(paths.settings_file)
    settings = settings_file.load()
    apply_network_policy(settings)
    store = ChatStore(database_path(paths))
    worker = EngineWorker(Engine(engine_settings(settings)))
    # Indexing leaves the cores to an answer being generated (desktop/documents/embedder.py).
    documents = DocumentWorker(documents_database(paths.data), paths.models, starter_folder=paths.starter_embedding,
                               chat_busy=lambda: worker.generating)
    services = model_services(paths, settings.context_length)
    window = build_window(worker, store, settings_file, available_models(paths), paths, documents, services)
    return window, startup_model(paths, settings_file)


def model_services(paths: AppPaths, max_context: int) -> ModelServices:
    """The library, the download queue (downloads the last run left unfinished come back paused),
    the Hub client and the learned fit corrections."""
    from desktop.ui.model_manager import ModelServices
    from models.fit import FitCorrections
    from models.hub import DownloadManager, HubClient

    library = Library(paths.models)
    hub = HubClient()
    downloads = DownloadManager(library, hub)
    downloads.restore()
    return ModelServices(
        library, downloads, hub, FitCorrections(paths.fit_corrections), max_context, lambda: available_models(paths)
    )


def run_gui(paths: AppPaths) -> int:
    from desktop.ui.platform_check import qt_platform_problem

    problem = qt_platform_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from desktop.ui.application import application, move_data_folder, run_window
    from desktop.ui.single_instance import SingleInstance

    application()
    instance = SingleInstance(paths.config)  # the config folder never moves; the data folder may
    if instance.activate_running():
        print("Hearth is already running; its window has been brought forward.", file=sys.stderr)
        return 0
    instance.listen()
    paths = move_data_folder(paths)
    paths.create()
    configure_file_logging(paths.logs)

    window, model_path = create_window(paths)
    instance.activation_requested.connect(window.bring_forward)
    if model_path is None:
        log.warning("No model to load: the starter model is not installed and no other model was used")
    try:
        return run_window(window, model_path)
    finally:
        instance.close()
