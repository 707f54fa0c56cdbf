"""What the model manager window works with: the model layer's services, handed in, never built here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.ui.tasks import BackgroundTasks
from models.engine import SafeModeMemory
from models.fit import FitCorrections
from models.hub import DownloadManager, HubClient
from models.library import Library


@dataclass(frozen=True)
class ModelServices:
    """Built by the composition root (desktop/app.py) and handed to the main window, which
    builds the model manager over it on first use."""

    library: Library
    downloads: DownloadManager
    hub: HubClient
    corrections: FitCorrections
    max_context: int
    list_models: Callable[[], list[tuple[str, Path]]]  # the header's list, e.g. `available_models(paths)`
    safe_modes: SafeModeMemory | None = None  # models that load in safe mode after a crash

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
    safe_modes: SafeModeMemory | None = None
