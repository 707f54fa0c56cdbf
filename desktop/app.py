"""Composition root: paths, settings and services, handed to the window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.chats import ChatStore, DamagedStoreError, database_path
from desktop.crash import collect_crashes, safe_mode_memory, step_marker
from desktop.documents import DocumentWorker
from desktop.documents import database_path as documents_database
from desktop.logs import configure_file_logging, log_native_crashes
from desktop.paths import AppPaths
from desktop.privacy import Privacy, PrivacyError
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


def create_window(paths: AppPaths, privacy: Privacy | None = None) -> tuple[MainWindow, Path | None]:
    """Everything the window needs, built from the data folder; Qt is imported here, lazily.
    `privacy` has unlocked the stores (None: prepared here, which works unless a passphrase is set).
    When the last run crashed, the window says so, and the model it crashed with is not loaded
    at start: the window offers safe mode for it instead (the model returned is then None)."""
    from desktop.ui.application import build_window

    paths.create()
    if privacy is None:
        privacy = Privacy(paths)
        privacy.prepare()
    settings_file = SettingsFile(paths.settings_file)
    settings = settings_file.load()
    apply_network_policy(settings)
    crashes = collect_crashes(paths)
    store = ChatStore(database_path(paths))
    worker = EngineWorker(Engine(engine_settings(settings), guard=step_marker(paths)))
    # Indexing leaves the cores to an answer being generated (desktop/documents/embedder.py).
    documents = DocumentWorker(documents_database(paths.data), paths.models, starter_folder=paths.starter_embedding,
                               chat_busy=lambda: worker.generating)
    services = model_services(paths, settings.context_length)
    window = build_window(worker, store, settings_file, available_models(paths), paths, documents, services, privacy)
    startup = startup_model(paths, settings_file)
    if crashes:
        crashed = crashes[-1]
        held = startup if startup is not None and _same_file(startup, Path(crashed.model_path)) else None
        window.show_crash(crashed, held)
        startup = None if held else startup
    return window, startup


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


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
        library, downloads, hub, FitCorrections(paths.fit_corrections), max_context, lambda: available_models(paths),
        safe_mode_memory(paths),
    )


def run_gui(paths: AppPaths) -> int:
    from desktop.ui.platform_check import qt_platform_problem

    problem = qt_platform_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from desktop.ui.application import application, move_data_folder, offer_fresh_start, run_window, say
    from desktop.ui.lock_screen import unlock_at_start
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
    log_native_crashes(paths.logs)

    privacy = Privacy(paths)
    try:
        privacy.prepare()  # the keychain's key, if it holds one
    except PrivacyError as exc:
        say(str(exc))
        return 1
    if privacy.needs_passphrase and not unlock_at_start(privacy):
        return 0
    while True:
        try:
            window, model_path = create_window(paths, privacy)
            break
        except DamagedStoreError as exc:
            # Never written to while damaged; moved aside (kept for recovery) only if the user agrees.
            if not offer_fresh_start(str(exc), database_path(paths)):
                return 1
    instance.activation_requested.connect(window.bring_forward)
    instance.lock_requested.connect(window.privacy.lock)
    if model_path is None:
        log.warning("No model to load: the starter model is not installed and no other model was used")
    try:
        return run_window(window, model_path)
    finally:
        instance.close()
