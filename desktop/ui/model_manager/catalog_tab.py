"""The Recommended tab: the curated catalog (resources/catalog.json), one click from a download.

The catalog names a repo and a file per quantization; the exact size and sha256 come from the
Hub listing fetched when Download is pressed, and the download is verified against them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.model_manager.formatting import FitBadge, catalog_fits, params_text, size_text
from desktop.ui.model_manager.services import ManagerContext
from desktop.ui.model_manager.widgets import (
    MessageLine,
    cell,
    is_dark,
    make_table,
    recolour_fit_column,
    set_fit,
    text_item,
)
from desktop.ui.tasks import TaskFailure
from models.errors import HubError
from models.fit import CatalogEntry, catalog_file, check_listing, load_catalog
from models.hub import DownloadRequest, HubClient

COLUMNS = ("Name", "Family", "Parameters", "Size", "Licence", "Fit", "Description")
FIT_COLUMN = COLUMNS.index("Fit")
ID_ROLE = Qt.ItemDataRole.UserRole


def request_for_entry(hub: HubClient, entry: CatalogEntry, quant: str) -> DownloadRequest:
    """Ask the Hub for the file's size and sha256 (and its other parts, for a split model). A file
    the repo no longer has is one sentence naming what it has (CatalogStaleError), never a 404."""
    listing = hub.listing(entry.repo)
    remote = listing.find(catalog_file(entry, quant, check_listing(entry, listing)))
    if not remote.complete:
        raise HubError(f"{remote.path} is one part of a split model whose other parts are missing from {entry.repo}.")
    return DownloadRequest.from_remote(listing, remote)


class CatalogTab(QWidget):
    download_started = Signal(str)  # job id

    def __init__(
        self, context: ManagerContext, entries: Sequence[CatalogEntry] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._entries = tuple(entries) if entries is not None else load_catalog()
        self._badges: dict[str, FitBadge] = {}
        intro = QLabel(
            "Open-weight models picked for Hearth. Exact sizes and checksums come from the Hub when you "
            "download, and every file is verified.",
            wordWrap=True,
            objectName="noticeLabel",
        )
        self.small_only = QCheckBox("Laptop picks only")
        self.small_only.toggled.connect(self._fill)
        top = QHBoxLayout()
        top.addWidget(intro, 1)
        top.addWidget(self.small_only)

        self.table = make_table(COLUMNS, stretch=COLUMNS.index("Description"))
        self.table.setWordWrap(False)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.table.itemActivated.connect(lambda _item: self.download_selected())

        self.details = QLabel(wordWrap=True, objectName="catalogDetails")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.quant_box = QComboBox(toolTip="Quantization: smaller files lose a little quality")
        self.quant_box.currentTextChanged.connect(self._on_quant_box_changed)
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download_selected)
        bottom = QHBoxLayout()
        bottom.addWidget(self.details, 1)
        bottom.addWidget(self.quant_box)
        bottom.addWidget(self.download_button)
        self.message = MessageLine()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.message)
        self._fill()
        entries_now, max_context = self._entries, context.max_context
        context.tasks.run(lambda: catalog_fits(entries_now, max_context), self._on_fits_estimated)

    @property
    def entries(self) -> tuple[CatalogEntry, ...]:
        return self._entries

    def visible_ids(self) -> list[str]:
        return [cell(self.table, row, 0).data(ID_ROLE) for row in range(self.table.rowCount())]

    def _fill(self) -> None:
        self.table.setRowCount(0)
        for entry in self._entries:
            if self.small_only.isChecked() and not entry.small:
                continue
            row = self.table.rowCount()
            self.table.insertRow(row)
            name = text_item(entry.name, f"{entry.repo} · {entry.id}")
            name.setData(ID_ROLE, entry.id)
            active = f" ({params_text(entry.active_parameters)} active)" if entry.active_parameters else ""
            values = [
                name,
                text_item(entry.family),
                text_item(params_text(entry.parameters) + active, align_right=True),
                text_item(f"~{size_text(entry.approximate_size())}", f"{entry.default_quant}, before the Hub says "
                          "exactly", align_right=True),
                text_item(entry.licence),
                text_item(""),
                text_item(entry.description, entry.description),
            ]
            for column, item in enumerate(values):
                self.table.setItem(row, column, item)
            set_fit(cell(self.table, row, FIT_COLUMN), self._badges.get(entry.id), is_dark(self))
        if self.table.rowCount():
            self.table.selectRow(0)

    def _on_fits_estimated(self, badges: dict[str, FitBadge]) -> None:
        self._badges = badges
        for row in range(self.table.rowCount()):
            entry_id = cell(self.table, row, 0).data(ID_ROLE)
            set_fit(cell(self.table, row, FIT_COLUMN), badges.get(entry_id), is_dark(self))

    def recolour(self) -> None:
        recolour_fit_column(self.table, FIT_COLUMN, is_dark(self))

    def selected_entry(self) -> CatalogEntry | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        entry_id = cell(self.table, rows[0].row(), 0).data(ID_ROLE)
        return next((e for e in self._entries if e.id == entry_id), None)

    def select(self, entry_id: str) -> bool:
        for row in range(self.table.rowCount()):
            if cell(self.table, row, 0).data(ID_ROLE) == entry_id:
                self.table.selectRow(row)
                return True
        return False

    def _on_table_selection_changed(self) -> None:
        entry = self.selected_entry()
        self.quant_box.blockSignals(True)
        self.quant_box.clear()
        if entry is not None:
            self.quant_box.addItems(list(entry.files))
            self.quant_box.setCurrentText(entry.default_quant)
        self.quant_box.blockSignals(False)
        self.download_button.setEnabled(entry is not None)
        self._show_details()

    def _on_quant_box_changed(self, _quant: str) -> None:
        self._show_details()

    def _show_details(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.details.setText("")
            return
        esc = html.escape
        quant = self.quant_box.currentText() or entry.default_quant
        files = " · ".join(
            f"<b>{esc(label)}</b> <tt>{esc(path)}</tt>" if label == quant else f"{esc(label)} <tt>{esc(path)}</tt>"
            for label, path in entry.files.items()
        )
        self.details.setText(
            f"<b>{esc(entry.name)}</b> — {esc(entry.description)}<br>"
            f"<tt>{esc(entry.repo)}</tt> · licence {esc(entry.licence)} · "
            f"{entry.context_length:,}-token context · about {size_text(entry.approximate_size(quant))} "
            f"at {esc(quant)}<br>{files}"
        )

    def download_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.download(entry, self.quant_box.currentText() or entry.default_quant)

    def download(self, entry: CatalogEntry, quant: str | None = None) -> None:
        """Ask the Hub for the file's size and sha256 in the background, then queue the download."""
        quant = quant if quant in entry.files else entry.default_quant
        hub = self._context.hub
        self.download_button.setEnabled(False)
        self.message.show_info(f"Asking the Hub for {entry.files[quant]}…")
        self._context.tasks.run(
            lambda: request_for_entry(hub, entry, quant), self._on_request_ready, self._on_request_failed
        )

    def _on_request_ready(self, request: DownloadRequest) -> None:
        self.download_button.setEnabled(True)
        try:
            job = self._context.downloads.enqueue(request)
        except (RuntimeError, OSError) as exc:
            self.message.show_error(f"Cannot start the download: {exc}")
            return
        parts = f" in {len(request.files)} parts" if len(request.files) > 1 else ""
        self.message.show_info(
            f"Downloading {request.name} ({size_text(request.size)}{parts}); follow it in the Downloads tab."
        )
        self.download_started.emit(job)

    def _on_request_failed(self, failure: TaskFailure) -> None:
        self.download_button.setEnabled(True)
        self.message.show_error(failure.message)
