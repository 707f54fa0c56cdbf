"""The conversation's system prompt and generation settings, beside the conversation."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.adapter_picker import AdapterPicker
from models.families import DEFAULT_SETTINGS, thinking_choice

# The sampling defaults (models.families decides them for every entry point), and the context a
# model loads with, which the panel shows beside them.
DEFAULTS: dict[str, Any] = {**DEFAULT_SETTINGS, "context_length": 8192}


class SettingsPanel(QWidget):
    settings_changed = Signal(dict)  # the whole settings dict
    system_prompt_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPanel")
        self.setMinimumWidth(250)
        self.system_prompt = QPlainTextEdit(objectName="systemPrompt",
                                            placeholderText="System prompt: how the model should behave")
        self.system_prompt.setMaximumHeight(140)
        self._prompt_delay = QTimer(self, singleShot=True, interval=400)
        self._prompt_delay.timeout.connect(lambda: self.system_prompt_changed.emit(self.system_prompt.toPlainText()))
        self.system_prompt.textChanged.connect(self._prompt_delay.start)

        self.fields: dict[str, QSpinBox | QDoubleSpinBox] = {
            "temperature": self._double(0, 2, 0.05, "Higher is more varied; 0 always picks the likeliest word"),
            "top_p": self._double(0, 1, 0.01, "Keep the likeliest words that together reach this probability"),
            "top_k": self._int(0, 500, "Keep this many likeliest words (0: all)"),
            "min_p": self._double(0, 1, 0.01, "Drop words less likely than this share of the likeliest"),
            "repeat_penalty": self._double(0.5, 2.0, 0.05, "Above 1 discourages repeating recent words"),
            "max_tokens": self._int(0, 131072, "Longest answer in tokens (0: until the model stops)"),
            "context_length": self._int(512, 1_048_576, "Tokens the model can see; changing it reloads the model",
                                        step=512),
            "seed": self._int(-1, 2**31 - 1, "Same seed, same settings, same answer (-1: random)"),
        }
        form = self._form = QFormLayout()
        labels = {"temperature": "Temperature", "top_p": "Top-p", "top_k": "Top-k", "min_p": "Min-p",
                  "repeat_penalty": "Repeat penalty", "max_tokens": "Max tokens",
                  "context_length": "Context length", "seed": "Seed"}
        for key, widget in self.fields.items():
            widget.setObjectName(f"setting_{key}")
            widget.valueChanged.connect(self._on_field_changed)
            form.addRow(labels[key], widget)
        self.thinking = QCheckBox("Think before answering", objectName="thinkingSwitch", checked=True,
                                  toolTip="This model can reason before it answers; switch it off for faster replies")
        self.thinking.toggled.connect(self._on_field_changed)
        self.thinking.hide()  # only for models whose template has the switch (Qwen 3)
        form.addRow(self.thinking)
        self.adapters = AdapterPicker()  # LoRA adapters on the model, each at its scale
        self.adapters.changed.connect(lambda: self._on_field_changed(None))
        self.reset_button = QPushButton("Reset to defaults", objectName="resetSettingsButton")
        self.reset_button.clicked.connect(lambda: self.show_settings({}, emit=True))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 12, 8)
        layout.addWidget(QLabel("<b>System prompt</b>"))
        layout.addWidget(self.system_prompt)
        layout.addWidget(QLabel("<b>Generation</b>"))
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>LoRA adapters</b>"))
        layout.addWidget(self.adapters)
        layout.addWidget(self.reset_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        self._loading = False
        self._defaults = dict(DEFAULTS)

    def _double(self, low: float, high: float, step: float, tip: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(minimum=low, maximum=high, singleStep=step, decimals=2, toolTip=tip)
        box.setKeyboardTracking(False)
        return box

    def _int(self, low: int, high: int, tip: str, step: int = 1) -> QSpinBox:
        box = QSpinBox(minimum=low, maximum=high, singleStep=step, toolTip=tip)
        box.setKeyboardTracking(False)
        return box

    def hide_model_settings(self) -> None:
        """Without the context length, which belongs to the loaded model (for an assistant's settings)."""
        self._form.setRowVisible(self.fields["context_length"], False)

    def set_defaults(self, defaults: dict[str, Any]) -> None:
        """Per-model defaults: what "Reset" returns to and what unset fields show."""
        self._defaults = {**DEFAULTS, **defaults}

    def set_thinking_available(self, available: bool) -> None:
        self.thinking.setVisible(available)

    def set_context_length(self, tokens: int) -> None:
        """Show the loaded model's context (a load setting, not a conversation's)."""
        self._loading = True
        self.fields["context_length"].setValue(tokens)
        self._loading = False

    def show_settings(self, settings: dict[str, Any], system_prompt: str | None = None, emit: bool = False) -> None:
        self._loading = True
        merged = {**self._defaults, **settings}
        for key, widget in self.fields.items():
            if key != "context_length":
                widget.setValue(merged[key])
        self.thinking.setChecked(thinking_choice(settings) is not False)
        self.adapters.set_values(settings.get("adapters", []))
        if system_prompt is not None and system_prompt != self.system_prompt.toPlainText():
            self.system_prompt.setPlainText(system_prompt)
            self._prompt_delay.stop()
        self._loading = False
        if emit:
            self.settings_changed.emit(self.values())

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {key: widget.value() for key, widget in self.fields.items()}
        if not self.thinking.isHidden():
            values["thinking"] = self.thinking.isChecked()
        values["adapters"] = self.adapters.values()
        return values

    def _on_field_changed(self, _value: object) -> None:
        if not self._loading:
            self.settings_changed.emit(self.values())
