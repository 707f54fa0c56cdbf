"""The Hugging Face tab: search GGUF repos, open one to see every model file in it (split files as
one model) with its quantization, size and fit, and download one.

Every Hub call runs in the background; errors (gated, missing, offline) appear in plain words
under the part of the tab they concern.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.model_manager.formatting import FitBadge, listing_fits, size_text
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
from models.hub import DownloadRequest, RemoteModel, RepoListing, RepoSummary, gated_message

SORTS = (
    ("Most downloaded", "downloads"),
    ("Most liked", "likes"),
    ("Newest", "recent"),
    ("Recently updated", "updated"),
)
RESULT_COLUMNS = ("Repository", "Downloads", "Likes", "Created", "Access")
FILE_COLUMNS = ("File", "Quantization", "Size", "Parts", "Fit")
FIT_COLUMN = FILE_COLUMNS.index("Fit")
DATA_ROLE = Qt.ItemDataRole.UserRole


class HubTab(QWidget):
    download_started = Signal(str)  # job id

    def __init__(self, context: ManagerContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._search_task: int | None = None
        self._listing_task: int | None = None
        self._listing: RepoListing | None = None
        self._results: list[RepoSummary] = []
        self._has_token = False
        self._searched = False

        self.query = QLineEdit(placeholderText="Search GGUF models on Hugging Face, or type owner/name and Open")
        self.query.setClearButtonEnabled(True)
        self.query.returnPressed.connect(self.search)
        self.sort_box = QComboBox(toolTip="Order of the results")
        for label, key in SORTS:
            self.sort_box.addItem(label, key)
        self.sort_box.currentIndexChanged.connect(self._on_sort_box_changed)
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        self.open_button = QPushButton("Open repo", toolTip="Open the selected result, or the owner/name typed above")
        self.open_button.clicked.connect(self._on_open_button_clicked)
        top = QHBoxLayout()
        top.addWidget(self.query, 1)
        top.addWidget(self.sort_box)
        top.addWidget(self.search_button)
        top.addWidget(self.open_button)
        self.account = QLabel(objectName="noticeLabel", wordWrap=True)
        self.message = MessageLine()

        self.results = make_table(RESULT_COLUMNS, stretch=0)
        self.results.itemActivated.connect(lambda _item: self._open_selected_result())

        self.repo_title = QLabel(objectName="roleLabel")
        self.repo_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.repo_message = MessageLine()
        self.files = make_table(FILE_COLUMNS, stretch=0)
        self.files.itemSelectionChanged.connect(self._update_download_button)
        self.files.itemActivated.connect(lambda _item: self.download_selected())
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download_selected)
        self.download_button.setEnabled(False)
        repo_header = QHBoxLayout()
        repo_header.addWidget(self.repo_title, 1)
        repo_header.addWidget(self.download_button)
        repo_panel = QWidget()
        repo_layout = QVBoxLayout(repo_panel)
        repo_layout.setContentsMargins(0, 6, 0, 0)
        repo_layout.addLayout(repo_header)
        repo_layout.addWidget(self.repo_message)
        repo_layout.addWidget(self.files, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.results)
        splitter.addWidget(repo_panel)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.account)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self.repo_title.setText("Open a repository to see its GGUF files.")
        hub = context.hub
        context.tasks.run(lambda: hub.token is not None, self._on_token_checked)

    @property
    def listing(self) -> RepoListing | None:
        return self._listing

    def result_ids(self) -> list[str]:
        return [cell(self.results, row, 0).data(DATA_ROLE) for row in range(self.results.rowCount())]

    # -- search ----------------------------------------------------------------------------------

    def search(self) -> None:
        query = self.query.text().strip()
        sort = self.sort_box.currentData()
        hub = self._context.hub
        self._searched = True
        self.message.show_info(f"Searching the Hub for “{query}”…" if query else "Asking the Hub for GGUF models…")
        self._context.tasks.forget(self._search_task)
        self._search_task = self._context.tasks.run(
            lambda: hub.search(query, sort=sort, limit=50),
            lambda found: self._on_search_finished(query, found),
            self._on_search_failed,
        )

    def _on_sort_box_changed(self, _index: int) -> None:
        if self._searched:
            self.search()

    def _on_search_finished(self, query: str, found: list[RepoSummary]) -> None:
        self._search_task = None
        self._results = list(found)
        self.results.setRowCount(0)
        for summary in found:
            row = self.results.rowCount()
            self.results.insertRow(row)
            name = text_item(summary.repo_id, ", ".join(summary.tags[:12]))
            name.setData(DATA_ROLE, summary.repo_id)
            self.results.setItem(row, 0, name)
            self.results.setItem(row, 1, text_item(f"{summary.downloads:,}", align_right=True))
            self.results.setItem(row, 2, text_item(f"{summary.likes:,}", align_right=True))
            self.results.setItem(row, 3, text_item((summary.created_at or "")[:10]))
            gated = "gated: licence to accept" if summary.gated else "open"
            self.results.setItem(row, 4, text_item(gated))
        if found:
            self.message.clear_message()
            self.results.selectRow(0)
        else:
            self.message.show_info(f"No GGUF repositories match “{query}”.")

    def _on_search_failed(self, failure: TaskFailure) -> None:
        self._search_task = None
        self.results.setRowCount(0)
        self.message.show_error(failure.message)

    def _on_token_checked(self, has_token: bool) -> None:
        self._has_token = has_token
        self.account.setText(
            "Signed in to Hugging Face: your token is used for gated models."
            if has_token
            else "Not signed in to Hugging Face: gated models need `hf auth login` (or HF_TOKEN)."
        )

    # -- one repository --------------------------------------------------------------------------

    def _on_open_button_clicked(self) -> None:
        typed = self.query.text().strip()
        if typed.count("/") == 1 and " " not in typed and typed not in self.result_ids():
            self.open_repo(typed)
        else:
            self._open_selected_result()

    def _open_selected_result(self) -> None:
        rows = self.results.selectionModel().selectedRows()
        if rows:
            self.open_repo(cell(self.results, rows[0].row(), 0).data(DATA_ROLE))

    def open_repo(self, repo_id: str) -> None:
        hub = self._context.hub
        self._listing = None
        self.files.setRowCount(0)
        self.repo_title.setText(repo_id)
        self.repo_message.show_info(f"Listing the files of {repo_id}…")
        self._update_download_button()
        self._context.tasks.forget(self._listing_task)
        self._listing_task = self._context.tasks.run(
            lambda: hub.listing(repo_id), self._on_listing_finished, self._on_listing_failed
        )

    def _on_listing_finished(self, listing: RepoListing) -> None:
        self._listing_task = None
        self._listing = listing
        self.repo_title.setText(f"{listing.repo_id} at {listing.revision[:12]}")
        models = list(listing.models)
        if listing.gated and self._has_token:
            self.repo_message.show_info(
                f"{listing.repo_id} is gated: Hearth sends your Hugging Face token; if a download is refused, "
                f"accept its licence at https://huggingface.co/{listing.repo_id}."
            )
        elif listing.gated:
            self.repo_message.show_error(gated_message(listing.repo_id))
        elif not models:
            self.repo_message.show_info(f"{listing.repo_id} has no GGUF files.")
        else:
            self.repo_message.clear_message()
        self.files.setRowCount(0)
        for model in models:
            self._add_file_row(model)
        if self.files.rowCount():
            self.files.selectRow(0)
        context = self._context
        self._context.tasks.run(
            lambda: listing_fits(context.hub, listing, context.max_context, context.corrections),
            lambda badges: self._on_fits_estimated(listing, badges),
            lambda failure: self._on_fits_estimated(listing, {}),
        )

    def _add_file_row(self, model: RemoteModel) -> None:
        row = self.files.rowCount()
        self.files.insertRow(row)
        name = text_item(model.path, "\n".join(p.path for p in model.parts))
        name.setData(DATA_ROLE, model.path)
        self.files.setItem(row, 0, name)
        self.files.setItem(row, 1, text_item(model.quantization or "?"))
        self.files.setItem(row, 2, text_item(size_text(model.size), f"{model.size:,} bytes", align_right=True))
        count = len(model.parts)
        parts = f"{count} (split, one model)" if count > 1 else "1"
        if not model.complete:
            parts = f"{count} — incomplete"
        self.files.setItem(row, 3, text_item(parts))
        fit = text_item("")
        self.files.setItem(row, FIT_COLUMN, fit)
        if model.projector:
            set_fit(fit, None, is_dark(self), pending="projector")
            fit.setToolTip("A vision projector used with a model, not a model to chat with.")
        else:
            set_fit(fit, None, is_dark(self))

    def _on_fits_estimated(self, listing: RepoListing, badges: dict[str, FitBadge]) -> None:
        if listing is not self._listing:
            return  # another repo was opened meanwhile
        projectors = {m.path for m in listing.models if m.projector}
        for row, path in enumerate(self.file_paths()):
            if path not in projectors:
                set_fit(cell(self.files, row, FIT_COLUMN), badges.get(path), is_dark(self), pending="unknown")

    def file_paths(self) -> list[str]:
        return [cell(self.files, row, 0).data(DATA_ROLE) for row in range(self.files.rowCount())]

    def select_file(self, path: str) -> bool:
        row = self.file_paths().index(path) if path in self.file_paths() else -1
        if row >= 0:
            self.files.selectRow(row)
        return row >= 0

    def selected_model(self) -> RemoteModel | None:
        rows = self.files.selectionModel().selectedRows()
        if self._listing is None or not rows:
            return None
        path = cell(self.files, rows[0].row(), 0).data(DATA_ROLE)
        return next((m for m in self._listing.models if m.path == path), None)

    def _update_download_button(self) -> None:
        model = self.selected_model()
        usable = model is not None and model.complete and not model.projector
        self.download_button.setEnabled(usable)
        if model is not None and not model.complete:
            self.download_button.setToolTip("Some parts of this split model are missing from the repository.")
        else:
            self.download_button.setToolTip("Download, verify (sha256) and install the selected model")

    def download_selected(self) -> None:
        model, listing = self.selected_model(), self._listing
        if model is None or listing is None or not model.complete or model.projector:
            return
        try:
            job = self._context.downloads.enqueue(DownloadRequest.from_remote(listing, model))
        except (RuntimeError, OSError) as exc:
            self.repo_message.show_error(f"Cannot start the download: {exc}")
            return
        self.repo_message.show_info(
            f"Downloading {model.name} ({size_text(model.size)}); follow it in the Downloads tab."
        )
        self.download_started.emit(job)

    def recolour(self) -> None:
        recolour_fit_column(self.files, FIT_COLUMN, is_dark(self))

    def _on_listing_failed(self, failure: TaskFailure) -> None:
        self._listing_task = None
        self._listing = None
        self.files.setRowCount(0)
        self.repo_message.show_error(failure.message)
