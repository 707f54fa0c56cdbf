"""The prompt library window: search, add, edit, duplicate, delete, import and export saved prompts.

Edits are saved with Save (Ctrl+S), and when another prompt is chosen; a prompt whose text has a
malformed `{{…}}` is not saved until it is fixed, and the window says what is wrong as you type.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.chats import PromptLibrary, SavedPrompt, StoreError, parse, read_prompt_file, write_prompt_files
from desktop.errors import HearthError

ID_ROLE = Qt.ItemDataRole.UserRole


def variables_text(text: str) -> tuple[str, list[str]]:
    """'Variables: topic, tone (friendly) · built-ins: {{date}}' and the text's problems."""
    parsed = parse(text)
    names = [v.name + (f" ({v.default})" if v.default else "") for v in parsed.variables]
    builtins = sorted({f"{{{{{p.builtin}}}}}" for p in parsed.placeholders if p.builtin not in (None, "unknown")})
    parts = ([f"Variables: {', '.join(names)}"] if names else []) + (
        [f"built-ins: {', '.join(builtins)}"] if builtins else [])
    return " · ".join(parts) or "No variables: the text is sent as it is.", list(parsed.problems)


class PromptLibraryWindow(QDialog):
    use_requested = Signal(object)  # SavedPrompt: fill it in and send it in the open chat

    def __init__(self, library: PromptLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptLibrary")
        self.setWindowTitle("Prompt library")
        self.resize(860, 560)
        self.library = library
        self._current: int | None = None  # the prompt in the editor; None: a new one, not saved yet
        self._filling = False
        # Questions to the user; tests replace them.
        self.confirm: Callable[[str], bool] = lambda text: QMessageBox.question(
            self, "Prompt library", text) == QMessageBox.StandardButton.Yes
        self.choose_import_files: Callable[[], list[Path]] = lambda: [Path(f) for f in QFileDialog.getOpenFileNames(
            self, "Import prompts", str(Path.home()), "Markdown (*.md *.markdown *.txt)")[0]]
        self.choose_export_folder: Callable[[], Path | None] = lambda: (
            Path(folder) if (folder := QFileDialog.getExistingDirectory(self, "Export prompts to")) else None)

        self.search_field = QLineEdit(objectName="promptSearch", placeholderText="Search prompts")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.textChanged.connect(lambda _text: self.refresh())
        self.list = QListWidget(objectName="promptList")
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.new_button = QPushButton("New", objectName="newPromptButton")
        self.duplicate_button = QPushButton("Duplicate")
        self.delete_button = QPushButton("Delete…")
        self.transfer_button = QToolButton(text="Import / export",
                                           popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.transfer_button)
        menu.addAction("Import Markdown files…", self.import_files)
        menu.addAction("Export the selected prompt…", lambda: self.export(selected_only=True))
        menu.addAction("Export every prompt…", lambda: self.export(selected_only=False))
        self.transfer_button.setMenu(menu)
        self.new_button.clicked.connect(self.new_prompt)
        self.duplicate_button.clicked.connect(self.duplicate)
        self.delete_button.clicked.connect(self.delete)

        self.name_field = QLineEdit(objectName="promptName")
        self.description_field = QLineEdit(objectName="promptDescription", placeholderText="What it is for (optional)")
        self.text_field = QPlainTextEdit(objectName="promptText", placeholderText=(
            "The prompt. {{topic}} asks for a value, {{tone|friendly}} has a default; built-ins: {{date}}, "
            "{{time}}, {{clipboard}}, {{selection}} (the message being answered), {{file:PATH}}."))
        self.variables_label = QLabel(objectName="noticeLabel", wordWrap=True)
        self.message = QLabel(objectName="promptLibraryMessage", wordWrap=True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        for field in (self.name_field, self.description_field):
            field.textEdited.connect(self._on_edited)
        self.text_field.textChanged.connect(self._on_edited)
        self.save_button = QPushButton("Save", objectName="savePromptButton", toolTip="Save (Ctrl+S)", enabled=False)
        self.use_button = QPushButton("Use in chat", objectName="usePromptButton")
        self.save_button.clicked.connect(self.save)
        self.use_button.clicked.connect(self._on_use_clicked)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_field)
        left_layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        for button in (self.new_button, self.duplicate_button, self.delete_button, self.transfer_button):
            row.addWidget(button)
        left_layout.addLayout(row)
        right = QWidget()
        form = QFormLayout()
        form.addRow("Name", self.name_field)
        form.addRow("Description", self.description_field)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(form)
        right_layout.addWidget(self.text_field, 1)
        right_layout.addWidget(self.variables_label)
        actions = QHBoxLayout()
        actions.addWidget(self.message, 1)
        actions.addWidget(self.use_button)
        actions.addWidget(self.save_button)
        right_layout.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([300, 560])
        QVBoxLayout(self).addWidget(splitter)
        self.refresh()
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.new_prompt()

    # -- the list --------------------------------------------------------------------------------

    def refresh(self, select: int | None = None) -> None:
        keep = select if select is not None else self._current
        self._filling = True
        self.list.clear()
        for prompt in self.library.list_prompts(self.search_field.text()):
            item = QListWidgetItem(prompt.name)
            item.setData(ID_ROLE, prompt.id)
            item.setToolTip(prompt.description or prompt.text[:300])
            self.list.addItem(item)
            if prompt.id == keep:
                self.list.setCurrentItem(item)
        self._filling = False
        self._update_buttons()

    def prompt_names(self) -> list[str]:
        return [item.text() for i in range(self.list.count()) if (item := self.list.item(i)) is not None]

    def select(self, name: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item is not None and item.text() == name:
                self.list.setCurrentItem(item)

    def _on_list_current_changed(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if self._filling or current is None:
            return
        chosen = current.data(ID_ROLE)
        if self.save_button.isEnabled():
            if not self.save():
                if previous is not None:
                    self._filling = True  # stay on the prompt that could not be saved
                    self.list.setCurrentItem(previous)
                    self._filling = False
                return
            self.refresh(select=chosen)  # saving rebuilt the list
        self._show(self.library.get(chosen))

    def _show(self, prompt: SavedPrompt | None) -> None:
        self._filling = True
        self._current = prompt.id if prompt else None
        self.name_field.setText(prompt.name if prompt else self.library.unique_name("New prompt"))
        self.description_field.setText(prompt.description if prompt else "")
        self.text_field.setPlainText(prompt.text if prompt else "")
        self._filling = False
        self._on_edited()
        self.save_button.setEnabled(prompt is None)
        self.message.clear()

    def _update_buttons(self) -> None:
        saved = self._current is not None
        self.duplicate_button.setEnabled(saved)
        self.delete_button.setEnabled(saved)
        self.use_button.setEnabled(saved)

    def _on_edited(self, _text: str = "") -> None:
        if self._filling:
            return
        summary, problems = variables_text(self.text_field.toPlainText())
        self.variables_label.setText(summary)
        self._say_problems(problems)
        self.save_button.setEnabled(True)

    def _say_problems(self, problems: list[str]) -> None:
        self.message.setText("<br>".join(f"<span style='color:#cf222e'>{html.escape(p)}</span>" for p in problems))

    # -- actions ---------------------------------------------------------------------------------

    def new_prompt(self) -> None:
        if self.save_button.isEnabled() and self._current is not None and not self.save():
            return
        self.list.clearSelection()
        self._show(None)
        self._update_buttons()
        self.name_field.setFocus()
        self.name_field.selectAll()

    def save(self) -> bool:
        """Save what the editor holds; False (and the reason shown) when it cannot be."""
        text = self.text_field.toPlainText()
        problems = list(parse(text).problems)
        if problems:
            self._say_problems(["Not saved: fix this first.", *problems])
            return False
        try:
            if self._current is None:
                prompt = self.library.add(self.name_field.text(), text, self.description_field.text())
            else:
                prompt = self.library.update(self._current, name=self.name_field.text(), text=text,
                                             description=self.description_field.text())
        except HearthError as exc:
            self._say_problems([str(exc)])
            return False
        self._current = prompt.id
        self.save_button.setEnabled(False)
        self.refresh(select=prompt.id)
        self.message.setText(f"Saved “{html.escape(prompt.name)}”.")
        return True

    def duplicate(self) -> None:
        if self._current is None or (self.save_button.isEnabled() and not self.save()):
            return
        copy = self.library.duplicate(self._current)
        self.refresh(select=copy.id)
        self._show(copy)
        self._update_buttons()

    def delete(self) -> None:
        if self._current is None:
            return
        prompt = self.library.get(self._current)
        if not self.confirm(f"Delete the prompt “{prompt.name}”?"):
            return
        self.library.delete(prompt.id)
        self._current = None
        self.refresh()
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            self._show(None)
        self._update_buttons()

    def import_files(self) -> None:
        files = self.choose_import_files()
        added, skipped = [], []
        for path in files:
            try:
                found = read_prompt_file(path)
                added.append(self.library.add(self.library.unique_name(found.name), found.text, found.description))
            except HearthError as exc:
                skipped.append(f"{path.name}: {exc}")
        if added:
            self.refresh(select=added[-1].id)
            self._show(added[-1])
            self._update_buttons()
        lines = [f"Imported {len(added)} prompt{'s' if len(added) != 1 else ''}."] if files else []
        self.message.setText("<br>".join(html.escape(line) for line in lines + skipped))

    def export(self, selected_only: bool) -> list[Path]:
        if selected_only and self._current is None:
            return []
        prompts = [self.library.get(self._current)] if selected_only and self._current else \
            self.library.list_prompts()
        folder = self.choose_export_folder() if prompts else None
        if folder is None:
            return []
        try:
            written = write_prompt_files(prompts, folder)
        except StoreError as exc:
            self._say_problems([str(exc)])
            return []
        self.message.setText(html.escape(f"Wrote {len(written)} file{'s' if len(written) != 1 else ''} to {folder}."))
        return written

    def _on_use_clicked(self) -> None:
        if self._current is None or (self.save_button.isEnabled() and not self.save()):
            return
        self.use_requested.emit(self.library.get(self._current))
