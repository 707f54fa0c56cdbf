"""GGUF files other tools already downloaded (the Hugging Face cache, LM Studio's folder), offered
for adding without a copy. Shown under the Installed table after "Find on this computer…"."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.model_manager.formatting import size_text
from desktop.ui.model_manager.services import ManagerContext
from desktop.ui.model_manager.widgets import MessageLine, make_table, text_item
from desktop.ui.tasks import TaskFailure
from models.library import DiscoveredModel, InstalledModel, add_discovered, discover, hf_cache_dir

COLUMNS = ("Name", "Found in", "Size", "Location", "")
_SOURCES = {"hf-cache": "Hugging Face cache", "lm-studio": "LM Studio", "folder": "folder"}


class DiscoverPanel(QFrame):
    model_added = Signal(object)  # InstalledModel

    def __init__(self, context: ManagerContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="discoverPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._context = context
        self._found: list[DiscoveredModel] = []
        self.add_buttons: dict[str, QPushButton] = {}  # by the first part's path
        self.title = QLabel(wordWrap=True)
        self.add_all_button = QPushButton("Add all")
        self.add_all_button.clicked.connect(self.add_all)
        close = QPushButton("Close")
        close.clicked.connect(self.hide)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.add_all_button)
        top.addWidget(close)
        self.table = make_table(COLUMNS, stretch=3)

        self.message = MessageLine()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.table)
        self.hide()

    @property
    def found(self) -> list[DiscoveredModel]:
        return list(self._found)

    def search(self) -> None:
        self.show()
        self.message.clear_message()
        self.title.setText("Looking in the Hugging Face cache and LM Studio's models folder…")
        self.table.setRowCount(0)
        self.add_all_button.setEnabled(False)
        library = self._context.library
        self._context.tasks.run(lambda: discover(library), self._on_found, self._on_failed)

    def _on_found(self, found: list[DiscoveredModel]) -> None:
        self._found = list(found)
        self.add_buttons.clear()
        self.table.setRowCount(0)
        if not found:
            self.title.setText(
                f"No GGUF models that Hearth does not have yet in the Hugging Face cache ({hf_cache_dir()}) "
                "or LM Studio's models folder."
            )
            self.table.hide()
            return
        self.table.show()
        self.title.setText(
            f"Found {len(found)} GGUF model{'s' if len(found) != 1 else ''} that other tools downloaded. "
            "Adding one links it where it lies: nothing is copied."
        )
        for model in found:
            row = self.table.rowCount()
            self.table.insertRow(row)
            parts = f" ({len(model.paths)} parts)" if len(model.paths) > 1 else ""
            self.table.setItem(row, 0, text_item(model.name + parts, model.repo or ""))
            self.table.setItem(row, 1, text_item(_SOURCES.get(model.source, model.source)))
            self.table.setItem(row, 2, text_item(size_text(model.size), align_right=True))
            self.table.setItem(row, 3, text_item(str(model.path.parent), str(model.path)))
            button = QPushButton("Add")
            button.clicked.connect(lambda _checked=False, m=model: self.add(m))
            self.table.setCellWidget(row, 4, button)
            self.add_buttons[str(model.path)] = button
        self.add_all_button.setEnabled(True)
        self._fit_table_height()

    def _fit_table_height(self) -> None:
        """As tall as its rows (five at most, then it scrolls): the Installed list keeps the room."""
        rows = min(self.table.rowCount(), 5)
        height = self.table.horizontalHeader().height() + 2 * self.table.frameWidth()
        height += sum(self.table.rowHeight(r) for r in range(rows))
        self.table.setFixedHeight(height)

    def _on_failed(self, failure: TaskFailure) -> None:
        self.title.setText("Could not look for models.")
        self.message.show_error(failure.message)

    def add(self, model: DiscoveredModel) -> None:
        button = self.add_buttons[str(model.path)]
        if not button.isEnabled():
            return
        button.setEnabled(False)
        button.setText("Adding…")
        library = self._context.library
        self._context.tasks.run(
            lambda: add_discovered(library, model),
            lambda added: self._on_added(model, added),
            lambda failure: self._on_add_failed(model, failure),
        )

    def add_all(self) -> None:
        for model in self._found:
            self.add(model)

    def _on_added(self, model: DiscoveredModel, added: InstalledModel) -> None:
        button = self.add_buttons.get(str(model.path))
        if button is not None:
            button.setText("Added ✓")
        if all(not b.isEnabled() for b in self.add_buttons.values()):
            self.add_all_button.setEnabled(False)
        self.model_added.emit(added)

    def _on_add_failed(self, model: DiscoveredModel, failure: TaskFailure) -> None:
        button = self.add_buttons.get(str(model.path))
        if button is not None:
            button.setText("Cannot add")
            button.setToolTip(failure.message)
        self.message.show_error(failure.message)

