"""The template doctor: the exact prompt a conversation renders to, special tokens marked, the
template's problems in plain words, and the choice of a known-good template for the family."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.engine_bridge import EngineBridge
from models.engine import ModelInfo, PromptInspection, TemplateReport
from models.families import Message, template_names

OWN_TEMPLATE = "The model's own template"
SAMPLE = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Hello! What can you do?"},
]


def prompt_html(inspection: PromptInspection) -> str:
    """The prompt as the model reads it: special tokens on a coloured background, whitespace kept."""
    parts = []
    for segment in inspection.segments:
        text = html.escape(segment.text)
        if segment.special:
            parts.append(f'<span style="background-color:#f5d76e; color:#202124;">{text}</span>')
        else:
            parts.append(text)
    return f'<pre style="white-space: pre-wrap;">{"".join(parts)}</pre>'


class TemplateDoctor(QDialog):
    def __init__(self, bridge: EngineBridge, messages: Callable[[], list[Message]],
                 thinking: Callable[[], bool | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("templateDoctor")
        self.setWindowTitle("Template doctor")
        self.resize(760, 640)
        self._bridge, self._messages, self._thinking = bridge, messages, thinking
        self.summary = QLabel(objectName="doctorSummary", wordWrap=True)
        self.findings = QLabel(objectName="doctorFindings", wordWrap=True)
        self.prompt = QTextBrowser(objectName="doctorPrompt")
        self.notes = QLabel(objectName="noticeLabel", wordWrap=True)
        self.template_choice = QComboBox(objectName="templateChoice")
        self.template_choice.addItem(OWN_TEMPLATE, None)
        for name in template_names():
            self.template_choice.addItem(f"Known-good: {name}", name)
        self.apply_button = QPushButton("Use this template", objectName="applyTemplateButton")
        self.apply_button.clicked.connect(self._on_apply_clicked)
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Render with:"))
        choose.addWidget(self.template_choice, 1)
        choose.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.findings)
        layout.addWidget(QLabel("<b>What the model reads</b> (special tokens highlighted)"))
        layout.addWidget(self.prompt, 1)
        layout.addWidget(self.notes)
        layout.addLayout(choose)
        bridge.prompt_inspected.connect(self._on_bridge_prompt_inspected)
        bridge.template_checked.connect(self._on_bridge_template_checked)
        bridge.request_failed.connect(self._on_bridge_request_failed)
        bridge.model_loaded.connect(self._on_bridge_model_loaded)
        if bridge.model is not None:
            self._on_bridge_model_loaded(bridge.model)

    def refresh(self) -> None:
        if self._bridge.model is None:
            self.summary.setText("No model is loaded.")
            return
        self._bridge.check_template()
        self._bridge.inspect(self._messages() or SAMPLE, self._thinking())

    def _on_apply_clicked(self) -> None:
        self._bridge.set_template(self.template_choice.currentData())

    def _on_bridge_model_loaded(self, info: ModelInfo) -> None:
        facts = info.facts
        family = facts.family if facts and facts.family else "no known family"
        self.summary.setText(f"<b>{html.escape(info.name)}</b> · {html.escape(family)} · "
                             f"template: {html.escape(info.template_source)}")
        chosen = info.template_source.removeprefix("known-good: ") if info.template_source.startswith("known") else None
        self.template_choice.setCurrentIndex(max(0, self.template_choice.findData(chosen)))
        self.refresh()

    def _on_bridge_template_checked(self, report: TemplateReport) -> None:
        if not report.findings:
            self.findings.setText("No problems found: the template renders a test conversation correctly.")
            return
        rows = [f"<b>{f.severity.capitalize()}:</b> {html.escape(f.message)}" for f in report.findings]
        self.findings.setText("<br>".join(rows))

    def _on_bridge_prompt_inspected(self, inspection: PromptInspection) -> None:
        self.prompt.setHtml(prompt_html(inspection))
        notes = list(inspection.adaptations)
        if inspection.dropped_messages:
            notes.append(f"{inspection.dropped_messages} older messages are left out to fit the context.")
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))

    def _on_bridge_request_failed(self, message: str) -> None:
        self.findings.setText(f"<b>Error:</b> {html.escape(message)}")
