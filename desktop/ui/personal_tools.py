"""What makes Hearth the user's own, wired into the main window: the `/` prompt picker and its
form, the prompt library and assistants windows, the sidebar's assistant filter, "New chat with…",
the chat header's assistant badge, starter prompts, and the LoRA adapters a chat can use.

The main window builds one `PersonalTools` after its own wiring; everything else lives here, so
the window itself barely changes.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication, QKeySequence, QTextCursor
from PySide6.QtWidgets import QBoxLayout, QMenu

from desktop.chats import Assistant, Conversation, FillContext, SavedPrompt, parse
from desktop.ui.adapter_picker import AdapterOption
from desktop.ui.assistant_bar import AssistantBadge, AssistantBar, StarterStrip
from desktop.ui.assistants_window import AssistantsWindow
from desktop.ui.prompt_form import PromptForm
from desktop.ui.prompt_library import PromptLibraryWindow
from desktop.ui.prompt_picker import PromptPicker
from models.engine import ModelInfo
from models.errors import HearthModelError
from models.families import strip_reasoning
from models.files import read_adapter
from models.library import AdapterLibrary, resolve_model
from models.library.adapters import compatible

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

PLACEHOLDER = "Message Hearth…  (Enter sends, Shift+Enter for a new line, / for saved prompts)"


def ranked(prompts: list[SavedPrompt], query: str) -> list[SavedPrompt]:
    """Names that start with the query first, then names that contain it, then the rest."""
    wanted = query.strip().casefold()

    def rank(prompt: SavedPrompt) -> tuple[int, str]:
        name = prompt.name.casefold()
        return (0 if name.startswith(wanted) else 1 if wanted in name else 2), name

    return sorted(prompts, key=rank)


class PersonalTools(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.store = window.store
        self.adapters = AdapterLibrary(window.paths.models)
        self.form: PromptForm | None = None
        self.library_window: PromptLibraryWindow | None = None
        self.assistants_window: AssistantsWindow | None = None

        window.composer.input.setPlaceholderText(PLACEHOLDER)
        self.picker = PromptPicker(window.composer.input, self._matching_prompts, window)
        self.picker.picked.connect(self.use_prompt)
        self.bar = AssistantBar()
        window.sidebar.add_top_section(self.bar)
        window.sidebar.add_beside_new_chat(self.bar.new_button)
        self.bar.filter_changed.connect(self._on_bar_filter_changed)
        self.bar.chat_requested.connect(self.new_chat_with)
        self.bar.manage_requested.connect(self.open_assistants)
        self.badge = AssistantBadge()
        cast(QBoxLayout, window.header.layout()).insertWidget(0, self.badge)
        self.starters = StarterStrip()
        holder = window.composer.parentWidget()
        assert holder is not None
        center = cast(QBoxLayout, holder.layout())
        center.insertWidget(center.indexOf(window.composer), self.starters)
        self.starters.starter_chosen.connect(self._on_starter_chosen)

        window.controller.assistant_changed.connect(self._on_controller_assistant_changed)
        window.controller.conversation_changed.connect(self._on_controller_conversation_changed)
        window.bridge.model_loaded.connect(self._on_bridge_model_loaded)
        window.header.settings_toggled.connect(self._on_header_settings_toggled)
        self._build_menu()
        self.refresh_assistants()

    def _build_menu(self) -> None:
        bar = self.window.menuBar()
        menu = QMenu("&Library", bar)
        menus = bar.actions()
        if menus:  # before Help, which stays last
            bar.insertMenu(menus[-1], menu)
        else:
            bar.addMenu(menu)
        prompts = menu.addAction("Prompts…", self.open_prompt_library)
        prompts.setShortcut(QKeySequence("Ctrl+Shift+L"))
        assistants = menu.addAction("Assistants…", self.open_assistants)
        assistants.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.new_chat_menu = QMenu("New chat with…", menu)
        self.new_chat_menu.aboutToShow.connect(self._fill_new_chat_menu)
        menu.addMenu(self.new_chat_menu)

    def _fill_new_chat_menu(self) -> None:
        self.new_chat_menu.clear()
        for assistant in self.store.assistants.list_assistants():
            self.new_chat_menu.addAction(f"{assistant.badge}  {assistant.name}", partial(self.new_chat_with, assistant))
        if self.new_chat_menu.isEmpty():
            self.new_chat_menu.addAction("Create an assistant…", self.open_assistants)

    # -- prompts ---------------------------------------------------------------------------------

    def _matching_prompts(self, query: str) -> list[SavedPrompt]:
        return ranked(self.store.prompts.list_prompts(query), query)

    def fill_context(self) -> FillContext:
        """Built-ins in the window: its clipboard, the chat's newest message, files from home."""
        return FillContext(
            clipboard=lambda: QGuiApplication.clipboard().text(),
            selection=self._selection(),
            selection_hint="this chat has no message to answer yet",
            base_folder=Path.home(),
        )

    def _selection(self) -> str | None:
        conversation = self.window.controller.conversation
        if conversation is None:
            return None
        for message in reversed(self.store.thread(conversation.id)):
            text = strip_reasoning(message.content) if message.role == "assistant" else message.content
            if text.strip():
                return text
        return None

    def use_prompt(self, prompt: SavedPrompt) -> None:
        """A prompt with placeholders opens its form; one without goes into the message box."""
        self.window.composer.input.clear()
        if not parse(prompt.text).has_placeholders:
            self._insert(prompt.text)
            return
        self.form = PromptForm(prompt, self.fill_context, self.window)
        self.form.sent.connect(self._send)
        self.form.inserted.connect(self._insert)
        self.form.show()

    def _send(self, text: str) -> None:
        if self.window.controller.busy or not self.window.controller.engine.ready:  # a local or remote model
            self._insert(text)  # nothing may be lost: it waits in the message box
            return
        self.window.composer.input.clear()
        self.window.send(text)

    def _insert(self, text: str) -> None:
        editor = self.window.composer.input
        editor.setPlainText(text)
        editor.moveCursor(QTextCursor.MoveOperation.End)
        editor.setFocus()

    def _on_starter_chosen(self, text: str) -> None:
        if parse(text).has_placeholders:
            self.use_prompt(SavedPrompt(0, "Starter", "", text, 0.0, 0.0))
        else:
            self._send(text)

    def open_prompt_library(self) -> PromptLibraryWindow:
        if self.library_window is None:
            self.library_window = PromptLibraryWindow(self.store.prompts, self.window)
            self.library_window.use_requested.connect(self.use_prompt)
        else:
            self.library_window.refresh()
        self.library_window.show()
        self.library_window.raise_()
        return self.library_window

    # -- assistants ------------------------------------------------------------------------------

    def refresh_assistants(self) -> None:
        self.bar.set_assistants(self.store.assistants.list_assistants())

    def open_assistants(self) -> AssistantsWindow:
        if self.assistants_window is None:
            docs = self.window.documents

            def collections(done: object) -> None:
                docs.call(lambda index: [c.name for c in index.collections()], done)  # type: ignore[arg-type]

            self.assistants_window = AssistantsWindow(self.store.assistants, lambda: self.window.models,
                                                      self.adapter_options, collections, self.window)
            self.assistants_window.chat_requested.connect(self.new_chat_with)
            self.assistants_window.assistants_changed.connect(self.refresh_assistants)
        self.assistants_window.show()
        self.assistants_window.raise_()
        return self.assistants_window

    def new_chat_with(self, assistant: Assistant) -> None:
        """A new chat with `assistant`: its settings shown, its documents ticked, its model loaded."""
        window = self.window
        window.controller.new_conversation(assistant)
        window.documents_panel.tick_collections(assistant.collections)
        if assistant.model:
            path = self.model_path(assistant.model)
            loaded = window.bridge.model.path if window.bridge.model else None
            if path is None:
                window.header.status_label.setText(
                    f"{assistant.name}'s model {assistant.model} is not installed: the loaded model answers.")
            elif path != loaded:
                window.load_model(path)
        window.composer.input.setFocus()

    def model_path(self, spec: str) -> Path | None:
        """An assistant's model: a name in the model selector, an installed model or a file."""
        for name, path in self.window.models:
            if name.casefold() == spec.casefold() or str(path) == spec:
                return path
        try:
            return resolve_model(spec, self.window.paths.models)
        except HearthModelError:
            return None

    def _on_bar_filter_changed(self, assistant_id: int | None) -> None:
        controller = self.window.controller
        controller.assistant_filter = assistant_id
        controller._sidebar_shown = None  # the same chats may now be listed differently
        controller.refresh_sidebar()

    def _on_controller_assistant_changed(self, assistant: Assistant | None) -> None:
        self.badge.show_assistant(assistant)
        new = self.window.controller.conversation is None
        if new and assistant is not None:
            self.window.settings_panel.show_settings(dict(assistant.settings), system_prompt=assistant.system_prompt)
        self.starters.show_starters(assistant.starters if new and assistant is not None else ())

    def _on_controller_conversation_changed(self, conversation: Conversation | None) -> None:
        if conversation is not None:
            self.starters.show_starters(())

    # -- adapters --------------------------------------------------------------------------------

    def adapter_options(self, model: str | None) -> list[AdapterOption]:
        """The installed adapters, and whether each fits `model` (None: the loaded one)."""
        loaded = self.window.bridge.model.path if self.window.bridge.model else None
        path = self.model_path(model) if model else loaded
        options = []
        for adapter in self.adapters.adapters():
            fits = False
            if path is not None and adapter.path.is_file():
                try:
                    fits = compatible(read_adapter(adapter.path), path) is None
                except HearthModelError as exc:
                    log.warning("Cannot read the adapter %s: %s", adapter.path, exc)
            options.append(AdapterOption(adapter.name, str(adapter.path), adapter.base_model, fits))
        return sorted(options, key=lambda o: (not o.fits, o.name.lower()))

    def _on_header_settings_toggled(self, shown: bool) -> None:
        model = self.window.bridge.model
        if shown and model is not None:  # adapters may have been added in the model manager since
            self.window.settings_panel.adapters.set_options(self.adapter_options(str(model.path)))

    def _on_bridge_model_loaded(self, info: ModelInfo) -> None:
        self.window.settings_panel.adapters.set_options(self.adapter_options(str(info.path)))
        controller = self.window.controller
        if controller.conversation is None and controller.assistant is not None:
            # The window showed a new chat's defaults for the model; a new assistant chat keeps its own.
            self.window.settings_panel.show_settings(dict(controller.assistant.settings),
                                                     system_prompt=controller.assistant.system_prompt)
