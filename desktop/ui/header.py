"""Above the conversation: the model selector, its loading bar, the context gauge, panel toggle."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget


class Header(QWidget):
    model_chosen = Signal(Path)
    settings_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_selector = QComboBox(objectName="modelSelector", toolTip="Model (Ctrl+K)")
        self.model_selector.setMinimumContentsLength(28)
        self.model_selector.activated.connect(self._on_model_selector_activated)
        self.loading_bar = QProgressBar(objectName="loadingBar", maximumWidth=140, textVisible=False)
        self.loading_bar.setRange(0, 0)  # llama.cpp gives no load progress worth trusting: a busy bar
        self.loading_bar.hide()
        self.status_label = QLabel(objectName="statusLabel")
        self.server_label = QLabel(objectName="serverLabel", toolTip="Other apps use this model through Hearth's "
                                   "local server (Settings, Local server)")
        self.server_label.hide()
        self.context_label = QLabel("Context", objectName="contextLabel")
        self.context_gauge = QProgressBar(objectName="contextGauge", minimumWidth=150, maximumWidth=200)
        self.context_gauge.setFormat("%v / %m tokens")
        self.context_gauge.setToolTip("How much of the model's context this conversation uses")
        self.context_gauge.setRange(0, 1)
        self.context_gauge.setValue(0)
        self.settings_button = QToolButton(text="Settings", objectName="settingsButton", checkable=True,
                                           toolTip="System prompt and generation settings (Ctrl+,)")
        self.settings_button.toggled.connect(self.settings_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 4)
        layout.addWidget(self.model_selector)
        layout.addWidget(self.loading_bar)
        layout.addWidget(self.status_label, 1)
        layout.addWidget(self.server_label)
        layout.addWidget(self.context_label)
        layout.addWidget(self.context_gauge)
        layout.addWidget(self.settings_button)

    def set_models(self, models: list[tuple[str, Path]], current: Path | None) -> None:
        self.model_selector.blockSignals(True)
        self.model_selector.clear()
        for name, path in models:
            self.model_selector.addItem(name, path)
            self.model_selector.setItemData(self.model_selector.count() - 1, str(path), 3)  # tooltip role
        index = next((i for i, (_n, p) in enumerate(models) if p == current), -1)
        self.model_selector.setCurrentIndex(index)
        self.model_selector.blockSignals(False)

    def set_loading(self, name: str | None) -> None:
        self.loading_bar.setVisible(name is not None)
        self.model_selector.setEnabled(name is None)
        if name is not None:
            self.status_label.setText(f"Loading {name}…")

    def set_server_status(self, text: str) -> None:
        """The local server's live line ("serving 1 request · 34 tok/s"); hidden while it is off."""
        self.server_label.setVisible(bool(text))
        self.server_label.setText(f"Local server: {text}")

    def set_context(self, used: int, total: int) -> None:
        self.context_gauge.setRange(0, max(1, total))
        self.context_gauge.setValue(min(used, total))

    def _on_model_selector_activated(self, index: int) -> None:
        path = self.model_selector.itemData(index)
        if path is not None:
            self.model_chosen.emit(Path(path))
