"""LoRA adapters to answer with, each ticked on or off with its scale (0 to 2): in a chat's settings
and in an assistant's. What it holds is the `adapters` entry of a conversation's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QGridLayout, QLabel, QWidget

from models.engine import MAX_SCALE


@dataclass(frozen=True)
class AdapterOption:
    name: str
    path: str
    base_model: str
    fits: bool  # whether it fits the model it would be used with


class AdapterPicker(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adapterPicker")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.empty_label = QLabel("No LoRA adapters installed (Model, Manage models, Adapters).",
                                  objectName="noticeLabel", wordWrap=True)
        self._grid.addWidget(self.empty_label, 0, 0, 1, 2)
        self.rows: dict[str, tuple[QCheckBox, QDoubleSpinBox]] = {}
        self._options: list[AdapterOption] = []
        self._names: dict[str, str] = {}
        self._filling = False

    def set_options(self, options: list[AdapterOption]) -> None:
        """The adapters there are; the ticked ones stay ticked."""
        chosen = self.values()
        self._options = list(options)
        self._rebuild(chosen)

    def _rebuild(self, chosen: list[dict[str, Any]]) -> None:
        self._filling = True
        for box, spin in self.rows.values():
            box.deleteLater()
            spin.deleteLater()
        self.rows.clear()
        options = list(self._options)
        known = {option.path for option in options}
        # An adapter the settings name that is not installed (any more) still shows, so it can be unticked.
        options += [AdapterOption(str(entry.get("name") or entry["path"]), entry["path"], "", False)
                    for entry in chosen if entry["path"] not in known]
        scales = {entry["path"]: float(entry.get("scale", 1.0)) for entry in chosen}
        for row, option in enumerate(options, start=1):
            label = option.name if option.fits else f"{option.name} (does not fit this model)"
            box = QCheckBox(label, objectName=f"adapter_{option.name}", checked=option.path in scales)
            box.setToolTip(f"{option.path}\nMade for {option.base_model or 'another model'}")
            spin = QDoubleSpinBox(minimum=0.0, maximum=MAX_SCALE, singleStep=0.1, decimals=2,
                                  value=scales.get(option.path, 1.0), toolTip="Scale: 0 off, 1 as trained, up to 2")
            spin.setKeyboardTracking(False)
            box.toggled.connect(self._on_row_changed)
            spin.valueChanged.connect(self._on_row_changed)
            self._grid.addWidget(box, row, 0)
            self._grid.addWidget(spin, row, 1)
            self.rows[option.path] = (box, spin)
        self._names = {option.path: option.name for option in options}
        self.empty_label.setVisible(not options)
        self._filling = False

    def set_values(self, entries: Any) -> None:
        """Tick the adapters of a conversation's (or an assistant's) settings."""
        self._rebuild(_clean(entries))

    def values(self) -> list[dict[str, Any]]:
        chosen = []
        for path, (box, spin) in self.rows.items():
            if box.isChecked():
                chosen.append({"name": self._names.get(path, path), "path": path, "scale": round(spin.value(), 2)})
        return chosen

    def _on_row_changed(self, _value: object) -> None:
        if not self._filling:
            self.changed.emit()


def _clean(entries: Any) -> list[dict[str, Any]]:
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("path"), str) and e["path"]]
