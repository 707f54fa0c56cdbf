"""Above the conversation: the model selector (local models, then remote ones with a "remote · host"
badge), its loading bar, the context gauge, panel toggle.

Everything in it gives way on a narrow window: the selector and the status line shorten their
text with "…" (the whole text is in the tooltip), and the word "Context" goes before the
gauge's figures do, so the header never makes the window wider than a laptop's screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QToolButton, QWidget


class ElidedLabel(QLabel):
    """One line of text that ends in "…" where it does not fit, instead of widening its window;
    it keeps room for `min_chars` characters."""

    def __init__(self, text: str = "", objectName: str = "", min_chars: int = 12,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(objectName)
        self._min_chars = min_chars
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # type: ignore[override]  # same signature, shortened on screen
        self._full = text
        self._elide()

    def text(self) -> str:  # type: ignore[override]
        return self._full

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * self._min_chars, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()  # more comes from its stretch, when the window has it

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self.width())
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


class ModelSelector(QComboBox):
    """The model list, as wide as the chosen model's whole name where the header has room (the
    status line beside it shortens first), down to 10 characters where it has not; never wider
    than 32. Qt's own hint is the 10 characters, which cut "SmolLM2 135M (starter)" short."""

    ARROW_AND_MARGINS_PX = 40

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(10)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMaximumWidth(self.fontMetrics().averageCharWidth() * 32 + self.ARROW_AND_MARGINS_PX)
        self.currentIndexChanged.connect(self.updateGeometry)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        name = self.fontMetrics().horizontalAdvance(self.currentText()) + self.ARROW_AND_MARGINS_PX
        return QSize(min(max(hint.width(), name), self.maximumWidth()), hint.height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # bigger text: a bigger ceiling
            self.setMaximumWidth(self.fontMetrics().averageCharWidth() * 32 + self.ARROW_AND_MARGINS_PX)


class OptionalLabel(QLabel):
    """A label that never costs its window width: squeezed, it shows nothing rather than a part."""

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.width() >= super().minimumSizeHint().width():
            super().paintEvent(event)


NOTE_SECONDS = 4

REMOTE_BADGE = "remote · {host}"


class Header(QWidget):
    model_chosen = Signal(Path)
    remote_model_chosen = Signal(str)  # remote:NAME/MODEL
    settings_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_selector = ModelSelector(objectName="modelSelector", toolTip="Model (Ctrl+K)")
        self.model_selector.activated.connect(self._on_model_selector_activated)
        self._local: list[tuple[str, Path]] = []
        self._remote: list[tuple[str, str, str]] = []  # model id, remote:NAME/MODEL, host
        self._current: Path | str | None = None
        self.loading_bar = QProgressBar(objectName="loadingBar", maximumWidth=140, textVisible=False)
        self.loading_bar.setRange(0, 0)  # llama.cpp gives no load progress worth trusting: a busy bar
        self.loading_bar.hide()
        self.status_label = ElidedLabel(objectName="statusLabel")
        self.context_label = OptionalLabel("Context", objectName="contextLabel")
        # The figures sit beside the bar, not on it: a bar's text is clipped (its first digit
        # hidden) once bigger text no longer fits the bar.
        self.context_gauge = QProgressBar(objectName="contextGauge", textVisible=False, minimumWidth=60,
                                          maximumWidth=60)
        self.context_gauge.setFixedHeight(8)  # a thin gauge, not a box that looks like a text field
        self.server_label = QLabel(objectName="serverLabel", toolTip="Other apps use this model through Hearth's "
                                   "local server (Settings, Local server)")
        self.server_label.hide()
        self.context_gauge.setRange(0, 1)
        self.context_gauge.setValue(0)
        self.context_text = QLabel("0 / 0", objectName="contextText")
        for widget in (self.context_label, self.context_gauge, self.context_text):
            widget.setToolTip("How much of the model's context this conversation uses, in tokens")
        self.settings_button = QToolButton(text="Settings", objectName="settingsButton", checkable=True,
                                           toolTip="System prompt and generation settings (Ctrl+,)")
        self.settings_button.toggled.connect(self.settings_toggled)
        self._status = ""
        self._note_timer = QTimer(self, singleShot=True)
        self._note_timer.timeout.connect(lambda: self.status_label.setText(self._status))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 4)
        layout.addWidget(self.model_selector)  # its size hint is its name; the status line stretches
        layout.addWidget(self.loading_bar)
        layout.addWidget(self.status_label, 2)
        layout.addWidget(self.server_label)
        layout.addWidget(self.context_label)
        layout.addWidget(self.context_gauge)
        layout.addWidget(self.context_text)
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
        selector.updateGeometry()  # its size hint follows the chosen name

    @property
    def local_models(self) -> list[tuple[str, Path]]:
        return list(self._local)

    def set_remote_models(self, models: list[tuple[str, str, str]]) -> None:
        """The remote models to offer: (model id, remote:NAME/MODEL, host) each."""
        self._remote = list(models)
        self.set_models(self._local, self._current)

    def set_status(self, text: str) -> None:
        """The standing line: the backend and context of the loaded model, or why there is none."""
        self._status = text
        self._note_timer.stop()
        self.status_label.setText(text)

    def show_note(self, text: str) -> None:
        """A passing confirmation ("Copied…"); the standing line comes back after NOTE_SECONDS."""
        self.status_label.setText(text)
        self._note_timer.start(int(NOTE_SECONDS * 1000))

    def set_loading(self, name: str | None) -> None:
        self.loading_bar.setVisible(name is not None)
        self.model_selector.setEnabled(name is None)
        if name is not None:
            self.set_status(f"Loading {name}…")

    def set_server_status(self, text: str) -> None:
        """The local server's live line ("serving 1 request · 34 tok/s"); hidden while it is off."""
        self.server_label.setVisible(bool(text))
        self.server_label.setText(f"Local server: {text}")

    def set_context(self, used: int, total: int) -> None:
        self.context_gauge.setRange(0, max(1, total))
        self.context_gauge.setValue(min(used, total))
        self.context_text.setText(f"{min(used, total):,} / {total:,}")

    def _on_model_selector_activated(self, index: int) -> None:
        data = self.model_selector.itemData(index)
        if isinstance(data, str) and data.startswith("remote:"):
            self.remote_model_chosen.emit(data)
        elif data is not None:
            self.model_chosen.emit(Path(data))
