"""Safe mode in the window: the banner above the conversation after Hearth crashed (what
stopped, that the conversation is kept, safe mode for that model), the settings a model loads
with, and remembering safe mode once it has answered. desktop/crash.py has the words and rules."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.crash import SAFE_MODE, notice, settings_for
from desktop.ui.engine_bridge import EngineBridge
from models.engine import EngineSettings, GenerationStats, SafeModeMemory, StepRecord


class CrashNotice(QFrame):
    load_requested = Signal(Path)  # load this model (with `settings_for` it)
    status_changed = Signal(str)  # a sentence for the window's status line

    def __init__(self, memory: SafeModeMemory, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="crashNotice")
        self.memory = memory
        self.text = QLabel(objectName="crashNoticeText", wordWrap=True)
        self.safe_mode_button = QPushButton("Use safe mode", objectName="safeModeButton")
        self.dismiss_button = QPushButton("Dismiss", objectName="dismissCrashButton")
        self.safe_mode_button.clicked.connect(self.use_safe_mode)
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.safe_mode_button)
        layout.addWidget(self.dismiss_button)
        self.record: StepRecord | None = None
        self._held: Path | None = None
        bridge.answer_finished.connect(lambda stats: self._on_answer_finished(bridge, stats))
        self.hide()

    def settings_for(self, model: Path, settings: EngineSettings) -> EngineSettings:
        """The settings `model` loads with: safe mode's if it crashed Hearth before."""
        return settings_for(model, settings, self.memory)

    def show_crash(self, record: StepRecord, held: Path | None = None) -> None:
        """Say what crashed; `held`: the model the window did not load at start because it is
        the one that crashed (Dismiss loads it with the normal settings)."""
        self.record, self._held = record, held
        kept = ("Your conversation is saved, up to where the answer stopped." if record.step == "generate"
                else "Your conversations are safe.")
        if record.safe_mode:
            offer = "It was in safe mode already: Help → Copy diagnostics gives what a bug report needs (no chat text)."
        else:
            offer = f"Safe mode loads {record.model_name} with {SAFE_MODE}."
        self.text.setText(f"<b>{notice(record)}</b> {kept} {offer}")
        self.safe_mode_button.setVisible(not record.safe_mode and Path(record.model_path).is_file())
        self.safe_mode_button.setToolTip(f"Load {record.model_name} in safe mode, now and from now on")
        normally = " normally" if held is not None and self.memory.get(held) is None else ""
        self.dismiss_button.setText(f"Load {record.model_name}{normally}" if held is not None else "Dismiss")
        self.show()

    def use_safe_mode(self) -> None:
        """Load the model that crashed in safe mode, now and until the user clears it."""
        self.hide()
        if self.record is not None:
            model = Path(self.record.model_path)
            self.memory.choose(model, self.record.describe())
            self.load_requested.emit(model)

    def dismiss(self) -> None:
        self.hide()
        if self._held is not None:
            self.load_requested.emit(self._held)

    def _on_answer_finished(self, bridge: EngineBridge, stats: GenerationStats) -> None:
        model = bridge.model
        answered = stats.stop_reason != "cancelled"
        if model is not None and model.safe_mode and answered and self.memory.confirm(model.path):
            self.status_changed.emit(f"Safe mode works with {model.name}: Hearth keeps using it for this model "
                                     "(Manage models → Installed clears it).")
