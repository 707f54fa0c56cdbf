"""The assistants window: each assistant's name, icon, system prompt, model, sampling, LoRA
adapters, document collections and starter prompts; "New chat" starts a conversation with one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.chats import Assistant, Assistants
from desktop.errors import HearthError
from desktop.ui.adapter_picker import AdapterOption
from desktop.ui.settings_panel import SettingsPanel

ID_ROLE = Qt.ItemDataRole.UserRole
WHATEVER_IS_LOADED = "Whatever model is loaded"


class AssistantsWindow(QDialog):
    chat_requested = Signal(object)  # Assistant: start a new chat with it
    assistants_changed = Signal()

    def __init__(
        self,
        assistants: Assistants,
        models: Callable[[], list[tuple[str, Path]]],
        adapter_options: Callable[[str | None], list[AdapterOption]],
        collections: Callable[[Callable[[list[str]], None]], None],
        parent: QWidget | None = None,
    ) -> None:
        """`adapter_options(model)` lists the adapters for an assistant's model (None: the loaded
        one); `collections(done)` calls `done` with the document collections' names."""
        super().__init__(parent)
        self.setObjectName("assistantsWindow")
        self.setWindowTitle("Assistants")
        self.resize(900, 640)
        self.assistants = assistants
        self._models, self._adapter_options = models, adapter_options
        self._current: int | None = None
        self.confirm: Callable[[str], bool] = lambda text: QMessageBox.question(
            self, "Assistants", text) == QMessageBox.StandardButton.Yes

        self.list = QListWidget(objectName="assistantList")
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.new_button = QPushButton("New", objectName="newAssistantButton")
        self.delete_button = QPushButton("Delete…")
        self.new_button.clicked.connect(self.new_assistant)
        self.delete_button.clicked.connect(self.delete)

        self.name_field = QLineEdit(objectName="assistantName")
        self.icon_field = QLineEdit(objectName="assistantIcon", maxLength=4,
                                    placeholderText="An emoji or a letter (default: the name's initial)")
        self.model_box = QComboBox(objectName="assistantModel")
        self.model_box.currentIndexChanged.connect(lambda _i: self._on_model_changed())
        self.panel = SettingsPanel()  # system prompt, sampling and adapters, as a chat has them
        self.panel.hide_model_settings()
        self.collections = QListWidget(objectName="assistantCollections")
        self.collections.setMaximumHeight(110)
        self.starters = QPlainTextEdit(objectName="assistantStarters",
                                       placeholderText="Starter prompts, one per line (they may have {{variables}})")
        self.starters.setMaximumHeight(110)
        self.message = QLabel(objectName="assistantMessage", wordWrap=True)
        self.save_button = QPushButton("Save", objectName="saveAssistantButton")
        self.chat_button = QPushButton("New chat with it", objectName="chatWithAssistantButton")
        self.save_button.clicked.connect(self.save)
        self.chat_button.clicked.connect(self._on_chat_clicked)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.delete_button)
        left_layout.addLayout(buttons)
        editor = QWidget()
        form = QFormLayout()
        form.addRow("Name", self.name_field)
        form.addRow("Icon", self.icon_field)
        form.addRow("Model", self.model_box)
        editor_layout = QVBoxLayout(editor)
        editor_layout.addLayout(form)
        editor_layout.addWidget(self.panel)
        editor_layout.addWidget(QLabel("<b>Documents</b> (searched and cited in its answers)"))
        editor_layout.addWidget(self.collections)
        editor_layout.addWidget(QLabel("<b>Starter prompts</b>"))
        editor_layout.addWidget(self.starters)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(editor)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(scroll, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.message, 1)
        actions.addWidget(self.chat_button)
        actions.addWidget(self.save_button)
        right_layout.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([240, 660])
        QVBoxLayout(self).addWidget(splitter)
        self._fill_models()
        collections(self._fill_collections)
        self.refresh()
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.new_assistant()

    # -- reading ---------------------------------------------------------------------------------

    def _fill_models(self) -> None:
        self.model_box.clear()
        self.model_box.addItem(WHATEVER_IS_LOADED, None)
        for name, _path in self._models():
            self.model_box.addItem(name, name)

    def _fill_collections(self, names: list[str]) -> None:
        checked = self.assistants.get(self._current).collections if self._current is not None else ()
        # A collection an assistant names that is gone stays listed, so it can be unticked.
        names = list(names) + [name for name in checked if name not in names]
        self.collections.clear()
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in checked else Qt.CheckState.Unchecked)
            self.collections.addItem(item)

    def refresh(self, select: int | None = None) -> None:
        keep = select if select is not None else self._current
        self.list.blockSignals(True)
        self.list.clear()
        for assistant in self.assistants.list_assistants():
            item = QListWidgetItem(f"{assistant.badge}  {assistant.name}")
            item.setData(ID_ROLE, assistant.id)
            self.list.addItem(item)
            if assistant.id == keep:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.delete_button.setEnabled(self._current is not None)
        self.chat_button.setEnabled(self._current is not None)

    def _on_list_current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.show_assistant(self.assistants.get(current.data(ID_ROLE)))

    def show_assistant(self, assistant: Assistant | None) -> None:
        self._current = assistant.id if assistant else None
        self.name_field.setText(assistant.name if assistant else "")
        self.icon_field.setText(assistant.icon if assistant else "")
        index = self.model_box.findData(assistant.model) if assistant and assistant.model else 0
        if index < 0:  # a model not installed any more, or a path: keep it as it is
            assert assistant is not None and assistant.model is not None
            self.model_box.addItem(assistant.model, assistant.model)
            index = self.model_box.count() - 1
        self.model_box.setCurrentIndex(index)
        self._on_model_changed()
        self.panel.show_settings(dict(assistant.settings) if assistant else {},
                                 system_prompt=assistant.system_prompt if assistant else "")
        for i in range(self.collections.count()):
            item = self.collections.item(i)
            if item is not None:
                chosen = assistant is not None and item.text() in assistant.collections
                item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
        self.starters.setPlainText("\n".join(assistant.starters) if assistant else "")
        self.delete_button.setEnabled(assistant is not None)
        self.chat_button.setEnabled(assistant is not None)
        self.message.clear()

    def _on_model_changed(self) -> None:
        self.panel.adapters.set_options(self._adapter_options(self.model_box.currentData()))

    # -- writing ---------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        settings = {k: v for k, v in self.panel.values().items() if k != "context_length"}
        checked = [item.text() for i in range(self.collections.count())
                   if (item := self.collections.item(i)) is not None and item.checkState() == Qt.CheckState.Checked]
        return {
            "name": self.name_field.text(),
            "icon": self.icon_field.text(),
            "system_prompt": self.panel.system_prompt.toPlainText(),
            "model": self.model_box.currentData(),
            "settings": settings,
            "collections": checked,
            "starters": self.starters.toPlainText().splitlines(),
        }

    def new_assistant(self) -> None:
        self.list.clearSelection()
        self.show_assistant(None)
        self.name_field.setText("New assistant")
        self.name_field.setFocus()
        self.name_field.selectAll()

    def save(self) -> Assistant | None:
        values = self.values()
        try:
            if self._current is None:
                assistant = self.assistants.add(values.pop("name"), values.pop("system_prompt"), **values)
            else:
                assistant = self.assistants.update(self._current, **values)
        except HearthError as exc:
            self.message.setText(str(exc))
            return None
        self._current = assistant.id
        self.refresh(select=assistant.id)
        self.message.setText(f"Saved {assistant.name}.")
        self.assistants_changed.emit()
        return assistant

    def delete(self) -> None:
        if self._current is None:
            return
        assistant = self.assistants.get(self._current)
        if not self.confirm(f"Delete the assistant “{assistant.name}”? Its chats stay."):
            return
        self.assistants.delete(assistant.id)
        self._current = None
        self.refresh()
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.new_assistant()
        self.assistants_changed.emit()

    def _on_chat_clicked(self) -> None:
        assistant = self.save()
        if assistant is not None:
            self.chat_requested.emit(assistant)
