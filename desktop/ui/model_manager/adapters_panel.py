"""LoRA adapters in the model manager's Installed tab: each under the model it fits, imported after
a header check against that model (architecture, dimensions, tensor names), deleted on request.
A chat or an assistant then ticks them in its settings, each at a scale from 0 to 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.text import size_text
from desktop.ui.model_manager import questions
from desktop.ui.model_manager.services import ManagerContext
from desktop.ui.model_manager.widgets import MessageLine
from desktop.ui.tasks import TaskFailure
from models.library import AdapterLibrary, InstalledAdapter, InstalledModel, fitting_models

ADAPTER_ROLE = Qt.ItemDataRole.UserRole


class AdaptersPanel(QWidget):
    adapters_changed = Signal()

    def __init__(self, context: ManagerContext, models: Callable[[], list[InstalledModel]],
                 selected: Callable[[], InstalledModel | None], parent: QWidget | None = None) -> None:
        """`models()` lists the installed models; `selected()` is the one chosen in the table."""
        super().__init__(parent)
        self.setObjectName("adaptersPanel")
        self._context, self._models, self._selected = context, models, selected
        self.adapters = AdapterLibrary(context.library.root)
        self.choose_file: Callable[[], Path | None] = lambda: questions.gguf_file(self)

        self.tree = QTreeWidget(objectName="adapterTree")
        self.tree.setHeaderLabels(["Model / adapter", "Rank", "Alpha", "Size"])
        self.tree.setRootIsDecorated(True)
        self.tree.setMaximumHeight(150)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.import_button = QPushButton("Import adapter…", objectName="importAdapterButton",
                                         toolTip="A LoRA adapter GGUF for the selected model (or the first it fits)")
        self.delete_button = QPushButton("Delete adapter", objectName="deleteAdapterButton")
        self.import_button.clicked.connect(self.import_adapter)
        self.delete_button.clicked.connect(self.delete_selected)
        self.message = MessageLine()
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>LoRA adapters</b>"), 1)
        header.addWidget(self.import_button)
        header.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.message)
        layout.addWidget(self.tree)
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        by_model: dict[str, list[InstalledAdapter]] = {}
        for adapter in self.adapters.adapters():
            by_model.setdefault(adapter.base_model, []).append(adapter)
        installed = {model.name for model in self._models()}
        for model_name, adapters in by_model.items():
            label = model_name if model_name in installed else f"{model_name} (not installed)"
            parent = QTreeWidgetItem([label])
            self.tree.addTopLevelItem(parent)
            for adapter in adapters:
                item = QTreeWidgetItem([adapter.name, str(adapter.rank), f"{adapter.alpha:g}", size_text(adapter.size)])
                item.setData(0, ADAPTER_ROLE, adapter.name)
                item.setToolTip(0, str(adapter.path))
                parent.addChild(item)
            parent.setExpanded(True)
        if not by_model:
            empty = QTreeWidgetItem(["No adapters yet: Import adapter… adds a LoRA GGUF to a model."])
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.tree.addTopLevelItem(empty)
        self._update_buttons()

    def adapter_names(self) -> dict[str, list[str]]:
        """{model: [adapter, ...]} as listed."""
        listed: dict[str, list[str]] = {}
        for i in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(i)
            if parent is not None and parent.childCount():
                listed[parent.text(0)] = [child.text(0) for j in range(parent.childCount())
                                          if (child := parent.child(j)) is not None]
        return listed

    def _selected_adapter(self) -> str | None:
        items = self.tree.selectedItems()
        name = items[0].data(0, ADAPTER_ROLE) if items else None
        return name if isinstance(name, str) else None

    def _update_buttons(self) -> None:
        self.delete_button.setEnabled(self._selected_adapter() is not None)

    def import_adapter(self) -> None:
        path = self.choose_file()
        if path is None:
            return
        selected = self._selected()
        candidates = [(m.name, m.path) for m in self._models() if m.available]
        if selected is not None and selected.available:  # the model chosen in the table is tried first
            candidates.sort(key=lambda pair: pair[0] != selected.name)
        adapters = self.adapters
        self.message.show_info(f"Checking {path.name} against your models…")
        self.import_button.setEnabled(False)

        def work() -> InstalledAdapter:
            from desktop.errors import HearthError

            fits, reasons = fitting_models(path, candidates)
            if not fits:
                raise HearthError(reasons[0] if len(reasons) == 1 else
                                  f"{path.name} fits none of the installed models; for one: {reasons[0]}")
            return adapters.import_file(path, fits[0], dict(candidates)[fits[0]])

        self._context.tasks.run(work, self._on_imported, self._on_import_failed)

    def _on_imported(self, adapter: InstalledAdapter) -> None:
        self.import_button.setEnabled(True)
        self.message.show_info(f"Added the adapter {adapter.name} to {adapter.base_model}. "
                               "Tick it in a chat's settings to use it.")
        self.refresh()
        self.adapters_changed.emit()

    def _on_import_failed(self, failure: TaskFailure) -> None:
        self.import_button.setEnabled(True)
        self.message.show_error(failure.message)

    def delete_selected(self) -> None:
        name = self._selected_adapter()
        if name is None:
            return
        removed = self.adapters.delete(name)
        self.message.show_info(f"Deleted the adapter {removed.name}.")
        self.refresh()
        self.adapters_changed.emit()
