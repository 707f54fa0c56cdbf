"""The Installed tab: every model in the library with what its header says, where it came from,
and whether it fits; use, import, find on this computer, delete."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.text import printable
from desktop.ui.model_manager import formatting, questions
from desktop.ui.model_manager.adapters_panel import AdaptersPanel
from desktop.ui.model_manager.discover_panel import DiscoverPanel
from desktop.ui.model_manager.formatting import (
    EMBEDDING_NOTE,
    FOR_DOCUMENTS,
    params_text,
    size_text,
)
from desktop.ui.model_manager.inspection import Inspection, facts_text, inspect_models, installed_text, source_text
from desktop.ui.model_manager.questions import ImportMode
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
from models.engine import ImportCheck, SafeModeEntry, check_import
from models.errors import HearthModelError
from models.library import InstalledModel

COLUMNS = ("Name", "Architecture", "Parameters", "Quantization", "Size", "Context", "Chat template", "Fit", "Source")
FIT_COLUMN = COLUMNS.index("Fit")
NAME_ROLE = Qt.ItemDataRole.UserRole


class InstalledTab(QWidget):
    model_chosen = Signal(Path)
    library_changed = Signal()

    def __init__(
        self, context: ManagerContext, bundled: Sequence[InstalledModel] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._bundled = tuple(bundled)
        self._models: list[InstalledModel] = []
        self._inspections: dict[str, Inspection] = {}
        self._inspect_task: int | None = None
        self._current: Path | None = None
        # Questions to the user; tests replace them.
        self.confirm: Callable[[str, str], bool] = lambda title, text: questions.confirm(self, title, text)
        self.choose_file: Callable[[], Path | None] = lambda: questions.gguf_file(self)
        self.choose_import_mode: Callable[[Path], ImportMode | None] = lambda path: questions.import_mode(self, path)

        self.summary = QLabel(objectName="noticeLabel")
        self.use_button = QPushButton("Use", toolTip="Chat with the selected model (or double-click it)")
        self.import_button = QPushButton("Import GGUF…", toolTip="Add a .gguf file from disk")
        self.discover_button = QPushButton(
            "Find on this computer…", toolTip="GGUF files in the Hugging Face cache and LM Studio's models folder"
        )
        self.delete_button = QPushButton("Delete…")
        self.safe_mode_button = QPushButton("Clear safe mode", objectName="clearSafeMode",
                                            toolTip="Load the selected model with the normal settings again")
        self.safe_mode_button.clicked.connect(self.clear_safe_mode)
        self.use_button.clicked.connect(self.use_selected)
        self.import_button.clicked.connect(self.import_model)
        self.discover_button.clicked.connect(self.discover)
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for button in (self.use_button, self.safe_mode_button, self.import_button, self.discover_button,
                       self.delete_button):
            buttons.addWidget(button)

        self.table = make_table(COLUMNS, stretch=COLUMNS.index("Source"))
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.table.itemActivated.connect(lambda _item: self.use_selected())
        self.details = QLabel(objectName="modelDetails", wordWrap=True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setContentsMargins(4, 4, 4, 4)
        details_scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        details_scroll.setWidget(self.details)
        details_scroll.setMinimumHeight(60)
        self.message = MessageLine()
        self.adapters_panel = AdaptersPanel(context, lambda: self.models, self.selected_model)
        self.adapters_panel.adapters_changed.connect(self.library_changed)
        self.discover_panel = DiscoverPanel(context)
        self.discover_panel.model_added.connect(self._on_discover_panel_model_added)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(details_scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.adapters_panel)
        layout.addWidget(self.discover_panel)
        self._update_buttons()

    # -- reading the library ---------------------------------------------------------------------

    @property
    def models(self) -> list[InstalledModel]:
        return list(self._models)

    def refresh(self) -> None:
        """Reread the library (manifests: instant); headers and fit follow from a background task."""
        selected = self.selected_model()
        self._models = list(self._bundled) + self._context.library.models()
        self.table.setRowCount(0)
        for model in self._models:
            self._add_row(model)
        total = sum(m.size for m in self._models)
        self.summary.setText(f"{len(self._models)} models · {size_text(total)} on disk")
        if selected is not None:
            self.select(selected.name)
        self._update_buttons()
        self.adapters_panel.refresh()
        self._context.tasks.forget(self._inspect_task)
        models, context = tuple(self._models), self._context
        self._inspect_task = context.tasks.run(
            lambda: inspect_models(models, context.max_context, context.corrections), self._on_inspected
        )

    def _add_row(self, model: InstalledModel) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        name = text_item(model.name, str(model.path))
        name.setData(NAME_ROLE, model.name)
        self.table.setItem(row, 0, name)
        self.table.setItem(row, COLUMNS.index("Size"), text_item(size_text(model.size), align_right=True))
        source, provenance = source_text(model)
        self.table.setItem(row, COLUMNS.index("Source"), text_item(source, provenance))
        self.table.setItem(row, FIT_COLUMN, text_item(""))
        self._fill_row(row, self._inspections.get(model.name) or Inspection(model.name, model.details, None, None))

    def _fill_row(self, row: int, found: Inspection) -> None:
        details = found.details
        values = {
            "Architecture": details.architecture if details else "…",
            "Parameters": params_text(details.parameters) if details else "…",
            "Quantization": (details.quantization or "?") if details else "…",
            "Context": f"{details.context_length:,}" if details else "…",
            "Chat template": ("yes" if details.chat_template else "none") if details else "…",
        }
        for column, text in values.items():
            right = column in ("Parameters", "Context")
            self.table.setItem(row, COLUMNS.index(column), text_item(text, align_right=right))
        if details is not None and not details.chat_template:
            cell(self.table, row, COLUMNS.index("Chat template")).setToolTip(
                "The file has no chat template: Hearth uses its family's known-good one, or ChatML."
            )
        fit = cell(self.table, row, FIT_COLUMN)
        if found.problem:
            set_fit(fit, None, is_dark(self), pending="unusable")
            fit.setToolTip(found.problem)
        else:
            set_fit(fit, found.badge, is_dark(self))
        self._mark_current(row)

    def _on_inspected(self, found: tuple[Inspection, ...]) -> None:
        self._inspect_task = None
        self._inspections = {f.name: f for f in found}
        for row in range(self.table.rowCount()):
            name = cell(self.table, row, 0).data(NAME_ROLE)
            if name in self._inspections:
                self._fill_row(row, self._inspections[name])
        self._show_details()
        self._update_buttons()

    def row_of(self, name: str) -> int:
        for row in range(self.table.rowCount()):
            if cell(self.table, row, 0).data(NAME_ROLE) == name:
                return row
        return -1

    def select(self, name: str) -> bool:
        row = self.row_of(name)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    def selected_model(self) -> InstalledModel | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        name = cell(self.table, rows[0].row(), 0).data(NAME_ROLE)
        return next((m for m in self._models if m.name == name), None)

    def set_current_model(self, path: Path | None) -> None:
        self._current = path
        for row in range(self.table.rowCount()):
            self._mark_current(row)

    def _mark_current(self, row: int) -> None:
        item = cell(self.table, row, 0)
        name = item.data(NAME_ROLE)
        model = next((m for m in self._models if m.name == name), None)
        loaded = model is not None and self._current is not None and self._current in model.paths
        if self.is_embedding(name):
            item.setText(f"{name}  · {FOR_DOCUMENTS}")
            item.setToolTip(EMBEDDING_NOTE)
        else:
            item.setText(f"{name}  · loaded" if loaded else name)
        font = QFont(item.font())
        font.setBold(loaded)
        item.setFont(font)

    def recolour(self) -> None:
        recolour_fit_column(self.table, FIT_COLUMN, is_dark(self))

    def _on_table_selection_changed(self) -> None:
        self._update_buttons()
        self._show_details()

    def is_embedding(self, name: str) -> bool:
        found = self._inspections.get(name)
        return found is not None and found.embedding

    def _update_buttons(self) -> None:
        model = self.selected_model()
        embedding = model is not None and self.is_embedding(model.name)
        self.use_button.setEnabled(model is not None and model.available and not embedding)
        self.use_button.setToolTip(EMBEDDING_NOTE if embedding else "Chat with the selected model (or double-click it)")
        self.delete_button.setEnabled(model is not None and model.origin != "bundled")
        self.safe_mode_button.setVisible(self._safe_mode(model) is not None)

    def _show_details(self) -> None:
        model = self.selected_model()
        if model is None:
            self.details.setText("<i>Select a model to see where it came from.</i>")
            return
        found = self._inspections.get(model.name)
        details = (found.details if found else None) or model.details
        def esc(text: str) -> str:  # the title, architecture and problems come from the file
            return html.escape(printable(text))

        lines = [f"<b>{esc(model.name)}</b>"]
        if details is not None:
            lines[0] += f" — {esc(details.title)} ({esc(details.architecture)}, {details.layers} layers)"
        if found is not None and found.facts is not None:
            lines.append(esc(facts_text(found.facts)))
        if (safe := self._safe_mode(model)) is not None:
            lines.append(f"<b>{esc(formatting.safe_mode_text(safe))}</b>")
        lines.append(esc(source_text(model)[1]))
        if model.installed_at:
            lines.append(f"Installed {esc(installed_text(model.installed_at))}")
        for file in model.files:
            sha = f"sha256 <tt>{esc(file.sha256)}</tt>" if file.sha256 else "sha256 not recorded"
            lines.append(f"<tt>{esc(str(file.path))}</tt> · {size_text(file.size)} · {sha}")
        if found is not None and found.embedding:
            lines.append(f"<b>{esc(EMBEDDING_NOTE)}</b>")
        if found is not None and found.problem:
            lines.append(f"<span style='color:#cf222e'>Cannot be used: {esc(found.problem)}</span>")
        self.details.setText("<br>".join(lines))

    def _safe_mode(self, model: InstalledModel | None) -> SafeModeEntry | None:
        memory = self._context.safe_modes
        return memory.get(model.path) if memory is not None and model is not None and model.available else None

    # -- actions ---------------------------------------------------------------------------------

    def clear_safe_mode(self) -> None:
        model, memory = self.selected_model(), self._context.safe_modes
        if model is None or memory is None or not memory.forget(model.path):
            return
        self.message.show_info(f"Safe mode is off for {model.name}: it loads with the normal settings next time.")
        self._update_buttons()
        self._show_details()

    def use_selected(self) -> None:
        model = self.selected_model()
        if model is not None and self.is_embedding(model.name):
            self.message.show_info(f"{model.name}: {EMBEDDING_NOTE}")
        elif model is not None and model.available:
            self.model_chosen.emit(model.path)

    def delete_selected(self) -> None:
        model = self.selected_model()
        if model is None or model.origin == "bundled":
            return
        if model.origin == "linked":
            question = (
                f"Remove {model.name} from Hearth?\n\nIts file stays where it is ({model.path}). "
                "Conversations that used it stay."
            )
        else:
            question = (
                f"Delete {model.name}?\n\nIts files ({size_text(model.size)}) are deleted from disk. "
                "Conversations that used it stay."
            )
        if self._current is not None and self._current in model.paths:
            question += "\n\nIt is loaded now and stays loaded until you choose another model."
        if not self.confirm("Delete model", question):
            return
        try:
            removed = self._context.library.delete(model.name)
        except (HearthModelError, OSError) as exc:
            self.message.show_error(f"Could not delete {model.name}: {exc}")
            return
        if removed.kept:
            self.message.show_info(f"Removed {removed.name} from Hearth; its file stays at {removed.kept[0]}.")
        else:
            self.message.show_info(f"Deleted {removed.name} and freed {size_text(removed.freed_bytes)}.")
        self.library_changed.emit()

    def import_model(self) -> None:
        path = self.choose_file()
        if path is None:
            return
        mode = self.choose_import_mode(path)
        if mode is None:
            return
        library = self._context.library
        self.message.show_info(f"Checking and {'linking' if mode == 'link' else 'copying'} {path.name}…")
        self.import_button.setEnabled(False)

        def import_and_check() -> tuple[InstalledModel, ImportCheck]:
            # A chat model's template, or an embedding model's pooling, dimension and test embedding.
            model = library.import_file(path, link=mode == "link")
            return model, check_import(model.path)

        self._context.tasks.run(import_and_check, self._on_imported, self._on_import_failed)

    def _on_imported(self, imported: tuple[InstalledModel, ImportCheck]) -> None:
        model, check = imported
        self.import_button.setEnabled(True)
        how = "linked where it lies (not copied)" if model.origin == "linked" else "copied into Hearth's folder"
        text = " ".join([f"Added {model.name}: {how}.", *([check.summary] if check.kind == "embedding" else []),
                         *(f"{f.severity.capitalize()}: {f.message}" for f in check.findings)])
        if check.ok:
            self.message.show_info(text)
        else:
            self.message.show_error(text)
        self.library_changed.emit()
        self.select(model.name)

    def _on_import_failed(self, failure: TaskFailure) -> None:
        self.import_button.setEnabled(True)
        self.message.show_error(failure.message)

    def discover(self) -> None:
        self.discover_panel.search()

    def _on_discover_panel_model_added(self, model: InstalledModel) -> None:
        self.message.show_info(f"Added {model.name} (linked where it lies: nothing was copied).")
        self.library_changed.emit()
