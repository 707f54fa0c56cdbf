"""Documents in the sidebar: collections to tick for the open chat, indexing progress, what failed.

A ticked collection is attached to the conversation: its answers are grounded on it and cite it.
Files dropped on a conversation form that conversation's own collection, listed first.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.documents import Collection, EmbeddingState, IndexProgress, IndexReport
from desktop.ui.documents_bridge import DocumentsBridge

ID_ROLE = Qt.ItemDataRole.UserRole


def progress_text(progress: IndexProgress) -> str:
    if progress.phase == "scanning":
        return "Looking for files…"
    parts = [f"{progress.files_done} of {progress.files_total} files", f"{progress.chunks_done:,} passages"]
    if progress.chunks_per_s:
        parts.append(f"{progress.chunks_per_s:,.0f}/s")
    if progress.eta_s is not None:
        parts.append(f"about {max(1, round(progress.eta_s))} s left")
    return " · ".join(parts)


def report_text(report: IndexReport) -> str:
    if report.embedded_only:
        text = f"{report.collection}: semantic search added to {report.count('indexed')} files"
        return text + (" before you stopped it." if report.cancelled else ".")
    failures = list(report.failures)
    indexed, unchanged = report.count("indexed"), report.count("unchanged")
    text = f"Indexed {indexed} files" + (f", {unchanged} unchanged" if unchanged else "")
    if report.cancelled:
        text += " before you stopped it"
    if failures:
        text += f"; {len(failures)} could not be read"
    return text + "."


class DocumentsPanel(QWidget):
    def __init__(self, docs: DocumentsBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentsPanel")
        self.docs = docs
        self.conversation_id: int | None = None
        self._pending: set[int] = set()  # ticked before the chat exists: attached when it does
        self._attached: set[int] = set()
        self._filling = False
        self.last_report: IndexReport | None = None

        title = QLabel("<b>Documents</b>")
        self.add_button = QToolButton(text="Add…", objectName="addDocumentsButton",
                                      popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        menu.addAction("A folder…", self._on_add_folder)
        menu.addAction("Files…", self._on_add_files)
        self.add_button.setMenu(menu)
        self.list = QListWidget(objectName="collectionList")
        self.list.setMaximumHeight(140)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._on_context_menu)
        self.hint = QLabel("Drop files or folders on a chat, or add a collection: answers will cite them.",
                           objectName="noticeLabel", wordWrap=True)
        self.mode_label = QLabel(objectName="noticeLabel", wordWrap=True)
        self.mode_label.hide()
        self.progress_bar = QProgressBar(objectName="indexingBar", maximum=1000, textVisible=False)
        self.progress_label = QLabel(objectName="indexingLabel", wordWrap=True)
        self.cancel_button = QPushButton("Stop", objectName="stopIndexingButton")
        self.cancel_button.clicked.connect(docs.cancel)
        self.report_label = QLabel(objectName="reportLabel", wordWrap=True)
        self.report_label.setTextFormat(Qt.TextFormat.RichText)
        self.report_label.linkActivated.connect(lambda _link: self.show_failures())
        self.report_label.hide()

        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(self.add_button)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.list)
        layout.addWidget(self.hint)
        layout.addWidget(self.mode_label)
        layout.addLayout(progress_row)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.report_label)
        self.list.hide()
        self._show_progress(False)
        docs.progress.connect(self._on_docs_progress)
        docs.indexed.connect(self._on_docs_indexed)
        docs.failed.connect(self._on_docs_failed)
        docs.collections_changed.connect(self.refresh)
        docs.request(docs.worker.embedding_state, self._on_embedding_state)

    def embedding_models_changed(self) -> None:
        """A model was installed or removed: search may use another embedding model now, whose
        vectors the collections lack; they are added in the background, with progress."""
        self.docs.worker.reload_embedding_model()
        self.docs.request(self.docs.worker.embedding_state, self._on_embedding_state)

    # -- the open conversation -----------------------------------------------------------

    @property
    def attached_ids(self) -> list[int]:
        return sorted(self._attached if self.conversation_id is not None else self._pending)

    def show_conversation(self, conversation_id: int | None) -> None:
        self.conversation_id = conversation_id
        self._pending.clear()
        self.refresh()

    def conversation_created(self, conversation_id: int) -> None:
        """The chat that had collections ticked before its first message now exists: attach them."""
        pending, self._pending = set(self._pending), set()
        self.conversation_id = conversation_id
        if pending:
            self.docs.call(lambda index: [index.attach(conversation_id, c) for c in pending],
                           lambda _result: self.refresh())
        self._attached = pending

    def tick_collections(self, names: Sequence[str]) -> None:
        """Tick these collections (by name) for the new chat: an assistant's documents."""
        wanted = {name.casefold() for name in names}
        if not wanted:
            return

        def tick(ids: list[int]) -> None:
            if self.conversation_id is None:
                self._pending |= set(ids)
                self.refresh()

        self.docs.call(lambda index: [c.id for c in index.collections() if c.name.casefold() in wanted], tick)

    def refresh(self) -> None:
        conversation = self.conversation_id

        def read(index: Any) -> tuple[list[Collection], list[Collection], Collection | None]:
            own = next((c for c in index.collections(include_private=True) if c.conversation_id == conversation
                        and conversation is not None), None)
            attached = index.attached(conversation) if conversation is not None else []
            return index.collections(), attached, own

        self.docs.call(read, self._fill)

    def _fill(self, result: tuple[list[Collection], list[Collection], Collection | None]) -> None:
        named, attached, own = result
        self._attached = {c.id for c in attached}
        ticked = self._attached if self.conversation_id is not None else self._pending
        self._filling = True
        self.list.clear()
        for collection in ([own] if own else []) + named:
            label = "Files in this chat" if collection.conversation_id is not None else collection.name
            state = f"{collection.ready_count} files" + (
                f", {collection.pending_count} indexing" if collection.pending_count else "")
            item = QListWidgetItem(f"{label} ({state})")
            item.setData(ID_ROLE, collection.id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if collection.id in ticked else Qt.CheckState.Unchecked)
            item.setToolTip("\n".join(str(r) for r in collection.roots))
            self.list.addItem(item)
        self.list.setVisible(self.list.count() > 0)
        self.hint.setVisible(self.list.count() == 0)
        self._filling = False

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        collection_id = item.data(ID_ROLE)
        ticked = item.checkState() == Qt.CheckState.Checked
        conversation = self.conversation_id
        if conversation is None:
            (self._pending.add if ticked else self._pending.discard)(collection_id)
            return
        (self._attached.add if ticked else self._attached.discard)(collection_id)
        if ticked:
            self.docs.call(lambda index: index.attach(conversation, collection_id), lambda _r: None)
        else:
            self.docs.call(lambda index: index.detach(conversation, collection_id), lambda _r: None)

    # -- adding --------------------------------------------------------------------------

    def add_to_conversation(self, conversation_id: int, paths: list[Path]) -> None:
        """Files dropped on the chat: indexed into its own collection, attached to it."""
        self.conversation_id = conversation_id
        self.docs.add_to_conversation(conversation_id, paths)
        self._show_progress(True)

    def add_collection(self, name: str, paths: list[Path]) -> None:
        self.docs.add(name, paths)
        self._show_progress(True)

    def _on_add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of documents")
        if folder:
            self.add_collection(Path(folder).name, [Path(folder)])

    def _on_add_files(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(self, "Add documents")
        if files:
            name, ok = QInputDialog.getText(self, "Collection", "Name of the collection:", text="My documents")
            if ok and name.strip():
                self.add_collection(name.strip(), [Path(f) for f in files])

    def _on_context_menu(self, position: QPoint) -> None:
        item = self.list.itemAt(position)
        if item is None:
            return
        collection_id = item.data(ID_ROLE)
        menu = QMenu(self)
        menu.addAction("Look for changes", lambda: self._look_for_changes(collection_id))
        menu.addAction("Rename…", lambda: self._rename(collection_id, item.text().rsplit(" (", 1)[0]))
        menu.addAction("Remove from Hearth", lambda: self._delete(collection_id))
        menu.exec(self.list.viewport().mapToGlobal(position))

    def _rename(self, collection_id: int, current: str) -> None:
        name, ok = QInputDialog.getText(self, "Rename collection", "Name:", text=current)
        if ok and name.strip():
            self.docs.call(lambda index: index.rename_collection(collection_id, name.strip()),
                           lambda _r: self.refresh(), self._show_error)

    def _delete(self, collection_id: int, confirm: Callable[[], bool] | None = None) -> None:
        asked = confirm or (lambda: QMessageBox.question(
            self, "Remove collection", "Remove this collection from Hearth? Your files stay where they are."
        ) == QMessageBox.StandardButton.Yes)
        if asked():
            self.docs.call(lambda index: index.delete_collection(collection_id), lambda _r: self.refresh())

    def _look_for_changes(self, collection_id: int) -> None:
        self.docs.sync(collection_id)
        self._show_progress(True)

    # -- progress ------------------------------------------------------------------------

    def _show_progress(self, running: bool) -> None:
        for widget in (self.progress_bar, self.progress_label, self.cancel_button):
            widget.setVisible(running)
        if running:
            self.progress_bar.setValue(0)
            self.progress_label.setText("Looking for files…")
            self.report_label.hide()

    def _on_docs_progress(self, progress: IndexProgress) -> None:
        self._show_progress(progress.phase in ("scanning", "indexing"))
        self.progress_bar.setValue(int(progress.fraction * 1000))
        self.progress_label.setText(progress_text(progress))

    def _on_docs_indexed(self, report: IndexReport) -> None:
        self._show_progress(False)
        self.last_report = report
        text = html.escape(report_text(report))
        if report.failures:
            text += ' <a href="failures">Which?</a>'
        self.report_label.setText(text)
        self.report_label.show()
        self.docs.request(self.docs.worker.embedding_state, self._on_embedding_state)  # indexing may change it

    def _on_docs_failed(self, message: str) -> None:
        self._show_progress(False)
        self._show_error(message)

    def _show_error(self, message: str) -> None:
        self.report_label.setText(html.escape(message))
        self.report_label.show()

    def failures_text(self) -> str:
        report = self.last_report
        if report is None:
            return ""
        return "\n".join(f"{r.path.name}: {r.reason}" for r in report.failures)

    def show_failures(self) -> None:
        QMessageBox.information(self, "Files Hearth could not read", self.failures_text())

    def _on_embedding_state(self, state: EmbeddingState) -> None:
        if state.model_name is None:
            self.mode_label.setText(state.notice or "")
        else:
            self.mode_label.setText(f"Search by keywords and meaning: {state.model_name}")
            self.docs.embed_missing()  # nothing to do unless something was indexed without this model
        self.mode_label.setToolTip("" if state.model_name is None else
                                   "Passages are found by their words and, with the embedding model, by their meaning. "
                                   "Another embedding model installed in the model manager is used instead.")
        self.mode_label.setVisible(bool(self.mode_label.text()))
