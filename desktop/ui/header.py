"""Above the conversation: the model selector (local models, then remote ones with a "remote · host"
badge), its loading bar, the context gauge, panel toggle."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

REMOTE_BADGE = "remote · {host}"


class Header(QWidget):
    model_chosen = Signal(Path)
    remote_model_chosen = Signal(str)  # remote:NAME/MODEL
    settings_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_selector = QComboBox(objectName="modelSelector", toolTip="Model (Ctrl+K)")
        self.model_selector.setMinimumContentsLength(28)
        self.model_selector.activated.connect(self._on_model_selector_activated)
        self._local: list[tuple[str, Path]] = []
        self._remote: list[tuple[str, str, str]] = []  # model id, remote:NAME/MODEL, host
        self._current: Path | str | None = None
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

    def set_models(self, models: list[tuple[str, Path]], current: Path | str | None) -> None:
        """The local models (and the remote ones last given), `current` selected: a path, or a
        remote model's reference."""
        self._local, self._current = list(models), current
        selector = self.model_selector
        selector.blockSignals(True)
        selector.clear()
        for name, path in models:
            selector.addItem(name, path)
            selector.setItemData(selector.count() - 1, str(path), 3)  # tooltip role
        if self._remote and models:
            selector.insertSeparator(selector.count())
        for model_id, ref, host in self._remote:
            short = model_id.rsplit("/", 1)[-1] or model_id  # "Qwen/Qwen3-32B": the badge matters more
            selector.addItem(f"{short} · {REMOTE_BADGE.format(host=host)}", ref)
            selector.setItemData(selector.count() - 1, f"{model_id}: answers come from {host}; "
                                 "your messages are sent there", 3)
        key = str(current) if current is not None else None
        index = next((i for i in range(selector.count())
                      if selector.itemData(i) is not None and str(selector.itemData(i)) == key), -1)
        selector.setCurrentIndex(index)
        selector.blockSignals(False)

    @property
    def local_models(self) -> list[tuple[str, Path]]:
        return list(self._local)

    def set_remote_models(self, models: list[tuple[str, str, str]]) -> None:
        """The remote models to offer: (model id, remote:NAME/MODEL, host) each."""
        self._remote = list(models)
        self.set_models(self._local, self._current)

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
        data = self.model_selector.itemData(index)
        if isinstance(data, str) and data.startswith("remote:"):
            self.remote_model_chosen.emit(data)
        elif data is not None:
            self.model_chosen.emit(Path(data))
