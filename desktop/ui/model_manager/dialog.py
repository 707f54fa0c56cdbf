"""The model manager window: Installed, Recommended, Hugging Face and Downloads, in one non-modal
window beside the chat.

It is handed the model layer's services and never builds them; it says what the user did with
two signals: `model_chosen` (load this model) and `library_changed` (the installed set changed:
a download finished, a model was imported, added from another tool's folder, or deleted).

Threads: Hub calls, header reads, fit estimates and imports run on `BackgroundTasks`; download
progress arrives from the DownloadManager's workers through `DownloadProgressBridge`. Call
`shutdown()` before the DownloadManager's own shutdown at quit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop.ui.model_manager.catalog_tab import CatalogTab
from desktop.ui.model_manager.downloads_tab import DownloadsTab
from desktop.ui.model_manager.hub_tab import HubTab
from desktop.ui.model_manager.installed_tab import InstalledTab
from desktop.ui.model_manager.progress_bridge import DownloadProgressBridge
from desktop.ui.model_manager.services import ManagerContext
from desktop.ui.tasks import BackgroundTasks
from models.engine import ModelInfo, SafeModeMemory
from models.fit import CatalogEntry, FitCorrections
from models.hub import DownloadManager, HubClient
from models.library import InstalledModel, Library


class ModelManagerWindow(QWidget):
    model_chosen = Signal(Path)
    library_changed = Signal()

    def __init__(
        self,
        library: Library,
        downloads: DownloadManager,
        hub: HubClient,
        corrections: FitCorrections,
        max_context: int,
        parent: QWidget | None = None,
        *,
        catalog: Sequence[CatalogEntry] | None = None,
        bundled: Sequence[InstalledModel] = (),
        safe_modes: SafeModeMemory | None = None,
    ) -> None:
        # A window of its own (above its parent), not a QDialog: no default button grabs Enter
        # from the search field, and nothing is modal.
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("modelManager")
        self.setWindowTitle("Models — Hearth")
        self.resize(1080, 680)
        self.tasks = BackgroundTasks(self, threads=4)
        self.progress = DownloadProgressBridge(downloads, self)
        context = ManagerContext(library, downloads, hub, corrections, max_context, self.tasks, safe_modes)
        self.context = context

        self.installed_tab = InstalledTab(context, bundled)
        self.catalog_tab = CatalogTab(context, catalog)
        self.hub_tab = HubTab(context)
        self.downloads_tab = DownloadsTab(context)
        self.tabs = QTabWidget(documentMode=True)
        self.tabs.addTab(self.installed_tab, "Installed")
        self.tabs.addTab(self.catalog_tab, "Recommended")
        self.tabs.addTab(self.hub_tab, "Hugging Face")
        self.tabs.addTab(self.downloads_tab, "Downloads")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.tabs)

        self.progress.progress_changed.connect(self.downloads_tab.on_progress)
        self.installed_tab.model_chosen.connect(self.model_chosen)
        self.downloads_tab.model_chosen.connect(self.model_chosen)
        for tab in (self.installed_tab, self.downloads_tab):
            tab.library_changed.connect(self.library_changed)
        self.library_changed.connect(self.installed_tab.refresh)
        self.downloads_tab.active_count_changed.connect(self._on_downloads_tab_active_count_changed)
        self._follow_download = False
        self._shown = False
        self.remote_tab: QWidget | None = None
        self.catalog_tab.download_started.connect(self._on_catalog_tab_download_started)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self._focus_hub_search)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.close)
        self.installed_tab.refresh()
        self._on_downloads_tab_active_count_changed(self.downloads_tab.active_count)

    def set_current_model(self, path: Path | None) -> None:
        """Mark the model the engine has loaded (for the Installed list and the delete question)."""
        self.installed_tab.set_current_model(path)

    def on_model_loaded(self, info: ModelInfo | None) -> None:
        """Connect to EngineBridge.model_loaded."""
        self.set_current_model(info.path if info is not None else None)

    def set_max_context(self, max_context: int) -> None:
        """The context cap changed in the settings: fit badges are estimated again at the new one."""
        if max_context != self.context.max_context:
            self.context.max_context = max_context
            self.installed_tab.refresh()

    def download_catalog_entry(self, entry: CatalogEntry, quant: str | None = None) -> None:
        """Start downloading a catalog model (e.g. the first-run recommendation): the queue is shown
        once the Hub has answered, or the Recommended tab says why it could not."""
        self.catalog_tab.select(entry.id)
        self.show_tab("recommended")
        self._follow_download = True
        self.catalog_tab.download(entry, quant)

    def _on_catalog_tab_download_started(self, _job_id: str) -> None:
        if self._follow_download:
            self._follow_download = False
            self.show_tab("downloads")

    def add_remote_tab(self, tab: QWidget) -> None:
        """Remote endpoints (desktop/ui/model_manager/remote_tab.py), added by the main window,
        which owns the remote models the header shows too."""
        self.remote_tab = tab
        self.tabs.addTab(tab, "Remote")

    def show_tab(self, name: str) -> None:
        tabs = {"installed": self.installed_tab, "recommended": self.catalog_tab, "hub": self.hub_tab,
                "downloads": self.downloads_tab}
        tab = tabs[name] if name != "remote" or self.remote_tab is None else self.remote_tab
        self.tabs.setCurrentWidget(tab)

    def shutdown(self) -> None:
        """Stop listening to downloads and wait for background work; call once, at quit."""
        self.progress.close()
        self.tasks.shutdown()

    # -- events ----------------------------------------------------------------------------------

    # Closing only hides this window (it has a parent and no WA_DeleteOnClose): downloads go on,
    # and reopening it is instant.

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous() and self._shown:  # opened again: a terminal may have changed the library
            self.installed_tab.refresh()
            self.downloads_tab.sync()
        self._shown = True

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            # light <-> dark: the verdict colours follow
            for tab in (self.installed_tab, self.catalog_tab, self.hub_tab):
                tab.recolour()

    def _on_downloads_tab_active_count_changed(self, count: int) -> None:
        index = self.tabs.indexOf(self.downloads_tab)
        self.tabs.setTabText(index, f"Downloads ({count})" if count else "Downloads")

    def _focus_hub_search(self) -> None:
        self.tabs.setCurrentWidget(self.hub_tab)
        self.hub_tab.query.setFocus()
        self.hub_tab.query.selectAll()
