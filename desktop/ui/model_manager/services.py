"""What the model manager window works with: the model layer's services, handed in, never built here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.ui.model_manager.tasks import BackgroundTasks
from models.download import DownloadManager
from models.fit import FitCorrections
from models.hub import HubClient
from models.library import Library


@dataclass(frozen=True)
class ModelServices:
    """Built by the composition root (desktop/app.py) and kept by the main window as
    `window.model_services`; `open_model_manager` reads it."""

    library: Library
    downloads: DownloadManager
    hub: HubClient
    corrections: FitCorrections
    max_context: int
    list_models: Callable[[], list[tuple[str, Path]]]  # the header's list, e.g. `available_models(paths)`

    def shutdown(self) -> None:
        """At quit: running downloads pause (their partial files stay for the next start)."""
        self.downloads.shutdown()


@dataclass
class ManagerContext:
    """What every tab of the window shares (one object: `max_context` changes with the settings)."""

    library: Library
    downloads: DownloadManager
    hub: HubClient
    corrections: FitCorrections
    max_context: int
    tasks: BackgroundTasks
