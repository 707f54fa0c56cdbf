"""Hearth's settings: data folder, default model, performance, appearance, network access, privacy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.data_location import DataMoveError, request_move
from desktop.paths import AppPaths
from desktop.settings import AppSettings
from desktop.ui.privacy_settings import PrivacySection
from desktop.ui.server_bridge import ServerBridge
from desktop.ui.server_settings import LocalServerBox
from models.engine import hardware, kernel_choice

if TYPE_CHECKING:
    from desktop.ui.privacy_controller import PrivacyController

NETWORK_USES = (
    "Searching the Hugging Face Hub for models (the model manager's Hugging Face tab).",
    "Downloading a model you choose (the model manager, `hearth models pull`).",
    "Serving the model to devices on your local network, when you choose that (Local server).",
)
NEVER_NETWORK = "Chats, documents, indexing and answers never use the network, online or not."
OFFLOAD_CHOICES = (("auto", "Automatic (all layers when a GPU backend is present)"),
                   ("all", "All layers on the GPU"), ("none", "None: CPU only"), ("layers", "A number of layers"))
KERNEL_CHOICES = (("auto", "Automatic"), ("always", "Always"), ("never", "Never"))
KERNELS_EXPLAINED = (
    "llama.cpp can rearrange a model's weights when it loads them, for faster special CPU code "
    "(prompts are read faster with some model types). On some Intel Xeons one kind of that code (AMX) "
    "crashes, so Automatic leaves it off where this llama.cpp carries it and the processor has AMX. "
    "Choose Always only if you know your machine runs it fine; Never if Hearth crashes while answering."
)


class SettingsDialog(QDialog):
    """Edits a copy of the settings; `applied` carries the new ones when the user confirms."""

    applied = Signal(object)  # AppSettings
    move_requested = Signal(Path)  # a data folder move was recorded: restart to carry it out

    def __init__(self, settings: AppSettings, paths: AppPaths, models: list[tuple[str, Path]],
                 parent: QWidget | None = None, privacy: PrivacyController | None = None,
                 server: ServerBridge | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Hearth settings")
        self._settings, self._paths = settings, paths

        self.data_folder = QLabel(str(paths.data), objectName="dataFolder", wordWrap=True)
        self.move_button = QPushButton("Move…", objectName="moveDataButton", enabled=paths.movable,
                                       toolTip="Carry models, chats and documents to another folder"
                                       if paths.movable else "HEARTH_HOME fixes the data folder")
        self.move_button.clicked.connect(self._on_move_clicked)
        self.default_model = QComboBox(objectName="defaultModel")
        self.default_model.addItem("The model used last", None)
        for name, path in models:
            self.default_model.addItem(name, str(path))
        self.default_model.setCurrentIndex(max(0, self.default_model.findData(settings.default_model)))

        cores = hardware.physical_cores()
        self.threads = QSpinBox(objectName="threads", minimum=0, maximum=max(64, hardware.usable_cpus()),
                                specialValueText=f"Automatic ({cores}, one per physical core)")
        self.threads.setValue(settings.threads)
        self.offload = QComboBox(objectName="gpuOffload")
        for key, label in OFFLOAD_CHOICES:
            self.offload.addItem(label, key)
        self.offload.setCurrentIndex(max(0, self.offload.findData(settings.gpu_offload)))
        self.gpu_layers = QSpinBox(objectName="gpuLayers", minimum=0, maximum=999, value=settings.gpu_layers)
        self.offload.currentIndexChanged.connect(
            lambda _i: self.gpu_layers.setEnabled(self.offload.currentData() == "layers"))
        self.gpu_layers.setEnabled(settings.gpu_offload == "layers")
        self.backend = QLabel(self._backend_text(), objectName="backendLabel", wordWrap=True)
        self.context = QSpinBox(objectName="defaultContext", minimum=512, maximum=1_048_576, singleStep=512,
                                value=settings.context_length)
        self.extra_kernels = QComboBox(objectName="extraKernels")
        for key, label in KERNEL_CHOICES:
            self.extra_kernels.addItem(label, key)
        self.extra_kernels.setCurrentIndex(max(0, self.extra_kernels.findData(settings.extra_cpu_kernels)))
        automatic = kernel_choice(None)
        self.extra_kernels.setItemText(0, f"Automatic ({'on' if automatic.extra_buffers else 'off'} here)")
        self.kernels_note = QLabel(f"{KERNELS_EXPLAINED}<br><i>Here: {automatic.reason}.</i>",
                                   objectName="noticeLabel", wordWrap=True)

        self.theme = QComboBox(objectName="themeChoice")
        for key, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(self.theme.findData(settings.theme))
        self.font_size = QSpinBox(objectName="fontSize", minimum=8, maximum=28, value=settings.font_size)

        self.offline = QCheckBox("Offline mode: no network access at all", objectName="offlineSwitch",
                                 checked=settings.offline)
        uses = "".join(f"<li>{use}</li>" for use in NETWORK_USES)
        network_text = QLabel(f"Hearth uses the network only for:<ul>{uses}</ul>{NEVER_NETWORK}", wordWrap=True)

        data_row = QHBoxLayout()
        data_row.addWidget(self.data_folder, 1)
        data_row.addWidget(self.move_button)
        general = QFormLayout()
        general.addRow("Data folder", data_row)
        general.addRow("Model at start", self.default_model)
        performance = QFormLayout()
        performance.addRow("Threads", self.threads)
        performance.addRow("GPU offload", self.offload)
        performance.addRow("GPU layers", self.gpu_layers)
        performance.addRow("Backend", self.backend)
        performance.addRow("Context length", self.context)
        performance.addRow("Use llama.cpp's extra CPU kernels", self.extra_kernels)
        performance.addRow(self.kernels_note)
        appearance = QFormLayout()
        appearance.addRow("Theme", self.theme)
        appearance.addRow("Text size", self.font_size)
        network = QVBoxLayout()
        network.addWidget(network_text)
        network.addWidget(self.offline)

        self.privacy = PrivacySection(privacy, settings.lock_after_minutes) if privacy is not None else None
        privacy_box = QVBoxLayout()
        if self.privacy is not None:
            privacy_box.addWidget(self.privacy)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        columns = QHBoxLayout()  # two columns: the dialog fits a laptop screen
        left, right = QVBoxLayout(), QVBoxLayout()
        sections = [(left, "General", general), (left, "Performance", performance), (left, "Appearance", appearance),
                    (right, "Network", network)]
        if self.privacy is not None:
            sections.append((right, "Privacy", privacy_box))
        for column, title, body in sections:
            box = QGroupBox(title)
            box.setLayout(body)
            column.addWidget(box)
        self.server = LocalServerBox(settings, server) if server is not None else None
        if self.server is not None:
            right.addWidget(self.server)
            self.finished.connect(self.server.detach)
        left.addStretch(1)
        right.addStretch(1)
        columns.addLayout(left)
        columns.addLayout(right)
        layout.addLayout(columns)
        self.move_note = QLabel(objectName="noticeLabel", wordWrap=True)
        self.move_note.hide()
        layout.addWidget(self.move_note)
        layout.addWidget(buttons)

    @staticmethod
    def _backend_text() -> str:
        gpus = hardware.accelerators()
        if not hardware.supports_gpu_offload() or not gpus:
            return "CPU only: this build of llama.cpp has no GPU backend."
        return ", ".join(f"{d.backend}: {d.description} ({d.memory_total / 2**30:.0f} GiB)" for d in gpus)

    def values(self) -> AppSettings:
        return self._settings.with_changes(
            default_model=self.default_model.currentData(),
            threads=self.threads.value(),
            gpu_offload=self.offload.currentData(),
            gpu_layers=self.gpu_layers.value(),
            context_length=self.context.value(),
            extra_cpu_kernels=self.extra_kernels.currentData(),
            theme=self.theme.currentData(),
            font_size=self.font_size.value(),
            offline=self.offline.isChecked(),
            lock_after_minutes=self.privacy.lock_after.value() if self.privacy is not None else
            self._settings.lock_after_minutes,
            **(self.server.values() if self.server is not None else {}),
        )

    def accept(self) -> None:
        self.applied.emit(self.values())
        super().accept()

    def choose_move_target(self, target: Path) -> None:
        """Record a move of the data folder to `target` (carried out at the next start)."""
        try:
            size = request_move(self._paths.config, self._paths.data, target)
        except DataMoveError as exc:
            self.move_note.setText(str(exc))
        else:
            self.move_note.setText(f"Hearth will move {size / 2**30:.2f} GiB to {target} when it restarts.")
            self.move_requested.emit(target)
        self.move_note.show()

    def _on_move_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Move Hearth's data to", str(Path.home()))
        if folder:
            self.choose_move_target(Path(folder) / "Hearth")
