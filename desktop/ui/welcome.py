"""First run: what stays on the device, then start now or download a model sized for this machine."""

from __future__ import annotations

import html

import psutil
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCommandLinkButton, QDialog, QLabel, QVBoxLayout, QWidget

from models.fit import Recommendation, load_catalog, recommend
from models.hub import offline_mode
from models.library import STARTER_SIZE

PROMISE = (
    "Hearth runs AI models on this computer: your conversations and documents stay on it and are "
    "never sent anywhere. The network is used only when you ask Hearth to download a model."
)


def _choice(title: str, detail: str, name: str) -> QCommandLinkButton:
    # A command link wraps its description, however long the model's one-line summary is.
    button = QCommandLinkButton(title, detail)
    button.setObjectName(name)
    return button


class WelcomeDialog(QDialog):
    starter_chosen = Signal()
    download_chosen = Signal(object)  # Recommendation

    def __init__(self, parent: QWidget | None = None, total_memory: int | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeDialog")
        self.setWindowTitle("Welcome to Hearth")
        self.setMinimumWidth(560)
        memory = total_memory if total_memory is not None else int(psutil.virtual_memory().total)
        self.recommendation: Recommendation | None = recommend(load_catalog(), memory)

        heading = QLabel("<h2>Welcome to Hearth</h2>", alignment=Qt.AlignmentFlag.AlignLeft)
        promise = QLabel(PROMISE, objectName="welcomePromise", wordWrap=True)
        self.starter_button = _choice(
            "Start now with the starter model",
            f"SmolLM2 135M · {STARTER_SIZE / 1e6:.0f} MB · already on this computer · small and quick, "
            "good for trying Hearth",
            "starterChoice",
        )
        self.starter_button.clicked.connect(self._on_starter_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(promise)
        layout.addSpacing(8)
        layout.addWidget(self.starter_button)
        self.download_button: QCommandLinkButton | None = None
        if self.recommendation is not None:
            entry, fit = self.recommendation.entry, self.recommendation.fit
            self.download_button = _choice(
                f"Download {entry.name} for this computer",
                f"{self.recommendation.size / 1e9:.1f} GB download · {fit.verdict}: {fit.detail} · "
                f"{entry.description}",
                "downloadChoice",
            )
            self.download_button.setToolTip(html.escape(f"{entry.repo} / {entry.default_file}"))
            self.download_button.clicked.connect(self._on_download_clicked)
            if offline_mode():
                self.download_button.setEnabled(False)
                self.download_button.setToolTip("Offline mode is on: turn it off in Settings to download.")
            layout.addWidget(self.download_button)
        layout.addStretch(1)

    def _on_starter_clicked(self) -> None:
        self.starter_chosen.emit()
        self.accept()

    def _on_download_clicked(self) -> None:
        self.download_chosen.emit(self.recommendation)
        self.accept()
