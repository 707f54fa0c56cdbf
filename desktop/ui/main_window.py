"""The Hearth window: conversations on the left, the chat in the middle, its settings in a sheet
over the chat's right edge. It fits a 1024×640 screen: nothing beside the chat adds width."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QProcess, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QSplitter, QVBoxLayout, QWidget

from desktop.chats import ChatStore, Conversation, build_messages
from desktop.crash import safe_mode_memory
from desktop.diagnostics import diagnostics
from desktop.paths import AppPaths
from desktop.privacy import Privacy
from desktop.remotes import RemoteEndpoints
from desktop.settings import AppSettings, SettingsFile, Theme, apply_network_policy, engine_settings
from desktop.ui.about import AboutDialog
from desktop.ui.chat_controller import ChatController
from desktop.ui.composer import Composer
from desktop.ui.conversation_view import ConversationView
from desktop.ui.crash_notice import CrashNotice
from desktop.ui.documents_bridge import DocumentsBridge
from desktop.ui.documents_panel import DocumentsPanel
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.header import Header
from desktop.ui.markdown import MarkdownRenderer
from desktop.ui.menus import build_menus
from desktop.ui.model_manager import ModelManagerWindow, ModelServices, RemoteTab, create_model_manager
from desktop.ui.personal_tools import PersonalTools
from desktop.ui.privacy_controller import PrivacyController
from desktop.ui.remote_controller import RemoteController
from desktop.ui.remote_models import AnswerRouter, RemoteModels
from desktop.ui.server_bridge import ServerBridge
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.settings_panel import SettingsPanel
from desktop.ui.settings_sheet import SettingsSheet
from desktop.ui.sidebar import Sidebar
from desktop.ui.template_doctor import TemplateDoctor
from desktop.ui.themes import ThemeManager
from desktop.ui.welcome import WelcomeDialog
from models.engine import ModelInfo, StepRecord
from models.families import recommended_sampling, thinking_choice
from models.fit import FitCorrections, Recommendation, learn_from_load

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(
        self,
        bridge: EngineBridge,
        store: ChatStore,
        settings_file: SettingsFile,
        theme: ThemeManager,
        models: list[tuple[str, Path]],
        paths: AppPaths,
        documents: DocumentsBridge,
        model_services: ModelServices | None = None,
        privacy: Privacy | None = None,
        server: ServerBridge | None = None,
    ) -> None:
        super().__init__()
        self.bridge, self.store, self.theme, self.paths, self.server = bridge, store, theme, paths, server
        self.documents = documents
        self._settings_file = settings_file
        self.settings: AppSettings = settings_file.load()
        self.models = models
        self.setWindowTitle("Hearth")
        self.resize(1200, 800)

        self.sidebar = Sidebar()
        self.header = Header()
        self.view = ConversationView(MarkdownRenderer(theme.code_style))
        self.composer = Composer()
        self.settings_panel = SettingsPanel()
        self.crash_notice = CrashNotice(safe_mode_memory(paths), bridge)
        center = QWidget(objectName="center")
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(0, 0, 0, 0)
        center_layout.setSpacing(0)
        center_layout.addWidget(self.header)
        center_layout.addWidget(self.crash_notice)
        center_layout.addWidget(self.view, 1)
        center_layout.addWidget(self.composer)
        self.settings_sheet = SettingsSheet(self.settings_panel, over=self.view)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(center)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([self.settings.sidebar_width, 900])
        self.setCentralWidget(self.splitter)
        self._welcome: WelcomeDialog | None = None

        self.model_services = model_services  # the model manager's; None: the manager cannot open
        self.model_manager: ModelManagerWindow | None = None  # built on first use
        self.documents_panel = DocumentsPanel(documents)
        self.sidebar.add_section(self.documents_panel)
        self.router = AnswerRouter(bridge)  # the local engine, or the remote model chosen
        self.remote = RemoteController(RemoteModels(RemoteEndpoints(paths.config), self.settings.offline, self),
                                       self.router, self.header, self.composer, self.view, self)
        self.controller = ChatController(store, bridge, self.view, self.sidebar, self.documents_panel, self.router)
        self.privacy = PrivacyController(self, privacy or Privacy(paths))
        self.privacy.set_idle_minutes(self.settings.lock_after_minutes)
        self.setAcceptDrops(True)
        self._doctor: TemplateDoctor | None = None
        self._reload_timer = QTimer(self, singleShot=True, interval=800)
        self._reload_timer.timeout.connect(self._reload_model)
        build_menus(self)
        self._connect()
        self.personal = PersonalTools(self)  # prompts, assistants, adapters
        self.header.set_models(models, None)
        self._restore_window_state()
        self.remote.refresh()  # the saved endpoints' models, for the header's selector

    # -- wiring --------------------------------------------------------------------------

    def _connect(self) -> None:
        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.controller.stop)
        self.composer.input.textChanged.connect(self._on_composer_text_changed)
        self.controller.busy_changed.connect(self.composer.set_busy)
        self.controller.waiting_changed.connect(self.composer.set_waiting)
        self.controller.conversation_changed.connect(self._on_controller_conversation_changed)
        self.controller.context_used.connect(self.header.set_context)
        self.sidebar.export_requested.connect(self.export_dialog)
        # After the controller's own slot has emptied the view: the message box is ready for typing.
        self.sidebar.new_requested.connect(lambda: self.composer.input.setFocus())
        self.header.model_chosen.connect(self.load_model)
        self.header.settings_toggled.connect(self.settings_sheet.setVisible)
        self.settings_panel.settings_changed.connect(self._on_settings_panel_changed)
        self.settings_panel.system_prompt_changed.connect(self.controller.update_system_prompt)
        self.bridge.model_loading.connect(self._on_bridge_model_loading)
        self.bridge.model_loaded.connect(self._on_bridge_model_loaded)
        self.bridge.model_failed.connect(self._on_bridge_model_failed)
        self.crash_notice.load_requested.connect(self.load_model)
        self.crash_notice.status_changed.connect(self.header.set_status)
        self.theme.changed.connect(lambda _dark: self.view.set_renderer(MarkdownRenderer(self.theme.code_style)))

    # -- actions -------------------------------------------------------------------------

    def send(self, text: str) -> None:
        conversation = self.controller.conversation
        if self.documents_panel.attached_ids and not self.remote.may_send_passages(
                conversation.id if conversation else None):
            self.composer.input.setPlainText(text)  # not sent: nothing lost
            return
        self._dismiss_welcome()
        self.controller.send(text, self.settings_panel.values(), self.settings_panel.system_prompt.toPlainText())
        if conversation is None and self.controller.conversation is not None:
            self.remote.agreed_for(self.controller.conversation.id)

    def new_chat(self) -> None:
        """An empty conversation, and the message box ready for typing (whatever had focus)."""
        self.controller.new_conversation()
        self.composer.input.setFocus()

    def load_model(self, path: Path) -> None:
        if self.controller.busy:
            self.controller.stop()
        self.bridge.load(path, self.crash_notice.settings_for(path, engine_settings(self.settings)))

    def show_crash(self, record: StepRecord, held: Path | None = None) -> None:
        """The last run crashed: say so, offer safe mode, and show the conversation it was answering."""
        self.crash_notice.show_crash(record, held)
        if held is not None:
            self.header.set_status("No model loaded yet: choose how to load it below.")
            self.composer.set_ready(False)
        chats = self.store.list_conversations() if record.step == "generate" else []
        if chats:
            self.controller.open_conversation(chats[0].id)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self.paths, self.models, self, self.privacy, self.server)
        dialog.applied.connect(self.apply_settings)
        dialog.move_requested.connect(self._on_settings_move_requested)
        dialog.show()
        return dialog

    def apply_settings(self, new: AppSettings) -> None:
        """Apply what changed now: looks at once, network at once, engine settings by reloading."""
        old, self.settings = self.settings, new
        self._write_settings(new)
        self.theme.set_theme(new.theme)
        self.theme.set_font_size(new.font_size)
        apply_network_policy(new)
        self.privacy.set_idle_minutes(new.lock_after_minutes)
        if new.offline != old.offline:
            self.remote.set_offline(new.offline)
        if self.model_manager is not None:
            self.model_manager.set_max_context(new.context_length)
        if engine_settings(old) != engine_settings(new) and self.bridge.model is not None:
            self.load_model(self.bridge.model.path)
        if self.server is not None:
            self.server.apply(new)

    def _on_settings_move_requested(self, target: Path) -> None:
        answer = QMessageBox.question(self, "Move data", f"Restart Hearth now to move its data to {target}?")
        if answer == QMessageBox.StandardButton.Yes:
            self.restart()

    def restart(self) -> None:
        program, args = (sys.executable, sys.argv[1:]) if getattr(sys, "frozen", False) else (
            sys.executable, sys.argv)
        self.close()
        QProcess.startDetached(program, args)
        QGuiApplication.quit()

    def show_welcome(self) -> WelcomeDialog:
        """First run: say what stays on the device; start now or download a model for this machine.
        Typing a message dismisses it, as choosing the starter model would."""
        dialog = self._welcome = WelcomeDialog(self)
        dialog.finished.connect(self._on_welcome_finished)
        dialog.download_chosen.connect(self.download_recommended)
        self.view.set_welcome_showing(True)
        dialog.show()
        return dialog

    def _on_welcome_finished(self, _result: int) -> None:
        self.view.set_welcome_showing(False)
        self._save(first_run_done=True)

    def _dismiss_welcome(self) -> None:
        if self._welcome is not None and self._welcome.isVisible():
            self._welcome.accept()
        self._welcome = None

    def _on_composer_text_changed(self) -> None:
        if self._welcome is not None and self.composer.input.toPlainText().strip():
            self._dismiss_welcome()

    def download_recommended(self, recommendation: Recommendation) -> None:
        self.open_model_manager().download_catalog_entry(recommendation.entry)

    def open_model_manager(self, tab: str | None = None) -> ModelManagerWindow:
        """Show the model manager (built on first use), optionally on one tab: "installed",
        "recommended", "hub" or "downloads"."""
        if self.model_manager is None:
            if self.model_services is None:
                raise RuntimeError("the window was built without the model manager's services")
            dialog = self.model_manager = create_model_manager(self.model_services, self)
            dialog.model_chosen.connect(self.load_model)
            dialog.library_changed.connect(self._on_model_manager_library_changed)
            self.bridge.model_loaded.connect(dialog.on_model_loaded)  # a slot of the dialog: dies with it
            dialog.set_current_model(self.bridge.model.path if self.bridge.model is not None else None)
            remote_tab = RemoteTab(self.remote.remote)
            remote_tab.model_chosen.connect(self.remote.use)
            dialog.add_remote_tab(remote_tab)
        dialog = self.model_manager
        if tab is not None:
            dialog.show_tab(tab)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _on_model_manager_library_changed(self) -> None:
        assert self.model_services is not None
        self.models = self.model_services.list_models()
        current = self.remote.current or (self.bridge.model.path if self.bridge.model is not None else None)
        self.header.set_models(self.models, current)
        self.documents_panel.embedding_models_changed()  # one may have come or gone

    def open_template_doctor(self) -> TemplateDoctor:
        if self._doctor is None:
            self._doctor = TemplateDoctor(self.bridge, self._prompt_messages,
                                          lambda: thinking_choice(self.settings_panel.values()), self)
        else:
            self._doctor.refresh()
        self._doctor.show()
        self._doctor.raise_()
        return self._doctor

    def _prompt_messages(self) -> list[Mapping[str, str]]:
        """The conversation as the model would see it next, with the message being typed."""
        system = self.settings_panel.system_prompt.toPlainText()
        thread = self.store.thread(self.controller.conversation.id) if self.controller.conversation else []
        messages: list[Mapping[str, str]] = list(build_messages(system, thread))
        draft = self.composer.input.toPlainText().strip()
        return [*messages, {"role": "user", "content": draft}] if draft else messages

    def _reload_model(self) -> None:
        if self.bridge.model is not None:
            self.load_model(self.bridge.model.path)

    def focus_model_selector(self) -> None:
        self.header.model_selector.setFocus()
        self.header.model_selector.showPopup()

    def set_theme(self, theme: Theme) -> None:
        self.theme.set_theme(theme)
        self._save(theme=theme)

    def set_font_size(self, points: int) -> None:
        self.theme.set_font_size(points)
        self._save(font_size=self.theme.font_size)

    def export_dialog(self, conversation_id: int | None) -> None:
        conversation_id = conversation_id or (self.controller.conversation.id if self.controller.conversation else None)
        if conversation_id is None:
            return
        title = self.store.get_conversation(conversation_id).title
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export chat", str(Path.home() / f"{title[:40]}.md"), "Markdown (*.md);;JSON (*.json)"
        )
        if path:
            self.controller.export(conversation_id, Path(path))

    # -- documents dropped on the window -------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.add_documents(paths)
            event.acceptProposedAction()

    def add_documents(self, paths: list[Path]) -> None:
        """Files or folders for this chat: indexed in the background, then its answers cite them."""
        conversation = self.controller.ensure_conversation(f"Documents: {paths[0].name}",
                                                           self.settings_panel.values(),
                                                           self.settings_panel.system_prompt.toPlainText())
        self.documents_panel.add_to_conversation(conversation.id, paths)

    def copy_diagnostics(self) -> None:
        """Versions, backend and model for a bug report; no conversation text."""
        text = diagnostics(self.paths, self.settings, self.bridge.model)
        QGuiApplication.clipboard().setText(text)
        self.header.show_note("Diagnostics copied to the clipboard.")

    def show_about(self) -> AboutDialog:
        dialog = AboutDialog(self.paths, self)
        dialog.show()
        return dialog

    def bring_forward(self) -> None:
        """Another start of Hearth asked for this window."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def rename_current(self) -> None:
        if self.controller.conversation is not None:
            self.sidebar.start_rename(self.controller.conversation.id)

    def settings_file_settings(self) -> AppSettings:
        """What is saved on disk now (the window keeps its own copy in self.settings)."""
        return self._settings_file.load()

    def _save(self, **changes: Any) -> None:
        self.settings = self.settings.with_changes(**changes)
        self._write_settings(self.settings)

    def _write_settings(self, settings: AppSettings) -> None:
        """Save, or say that saving failed (a read-only folder, a full disk): the change applies
        until Hearth closes, and nothing half-written is left behind (SettingsFile.save)."""
        try:
            self._settings_file.save(settings)
        except OSError as exc:
            self.view.show_error(
                f"Your settings were not saved ({exc.strerror or exc}: {self._settings_file.path}); "
                "the change applies until Hearth closes."
            )

    # -- events --------------------------------------------------------------------------

    def _on_controller_conversation_changed(self, conversation: Conversation | None) -> None:
        self.setWindowTitle(f"{conversation.title} — Hearth" if conversation else "Hearth")
        if conversation is None:
            self.settings_panel.show_settings({}, system_prompt="")
        else:
            self.settings_panel.show_settings(conversation.settings, system_prompt=conversation.system_prompt)
            if conversation.id != self.settings.last_conversation:
                self._save(last_conversation=conversation.id)

    def _on_settings_panel_changed(self, settings: dict[str, Any]) -> None:
        self.controller.update_settings(settings)
        model = self.bridge.model
        context = settings["context_length"]
        if model is not None and context != model.context_length and context != self.settings.context_length:
            # The context is fixed when a model loads: a new length means loading it again, once
            # the user has stopped clicking through values.
            self._save(context_length=context)
            self._reload_timer.start()

    def _on_bridge_model_loading(self, name: str) -> None:
        self.remote.drop()  # a local model was chosen: it answers from now on
        self.header.set_loading(name)
        self.composer.set_ready(False)

    def _on_bridge_model_loaded(self, info: ModelInfo) -> None:
        self.view.clear_error()
        self.header.set_loading(None)
        self.header.set_models(self.models, info.path)
        safe = " · safe mode" if info.safe_mode else ""
        self.header.set_status(f"{info.backend} · {info.context_length:,}-token context{safe}")
        facts = info.facts
        self.settings_panel.set_defaults(recommended_sampling(facts.family_key if facts else None))
        self.settings_panel.set_thinking_available(bool(facts and facts.thinking_switch))
        self.settings_panel.set_context_length(info.context_length)
        self.header.set_context(self.header.context_gauge.value(), info.context_length)
        if self.controller.conversation is None:
            self.settings_panel.show_settings({})
        self.composer.set_ready(True)
        self.composer.input.setFocus()
        self._save(last_model=str(info.path))
        try:
            learn_from_load(FitCorrections(self.paths.fit_corrections), info)
        except OSError as exc:  # a read-only data folder must not stop the chat
            log.warning("Could not record the memory %s took: %s", info.name, exc)

    def _on_bridge_model_failed(self, message: str, still_loaded: ModelInfo | None) -> None:
        if still_loaded is not None:
            self._on_bridge_model_loaded(still_loaded)
        else:
            self.header.set_loading(None)
            self.header.set_models(self.models, None)
            self.header.set_status("No model loaded: choose one above.")
            self.composer.set_ready(False)
        self.view.show_error(message)  # until the next answer or model: a load that works clears it

    def _restore_window_state(self) -> None:
        """The size and place the window had, and the conversation open, when Hearth closed."""
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode("ascii")))
        last = self.settings.last_conversation
        if isinstance(last, int) and last in {c.id for c in self.store.list_conversations()}:  # not deleted
            self.controller.open_conversation(last)
        else:
            self.controller.new_conversation()

    def closeEvent(self, event: QCloseEvent) -> None:
        geometry = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        self._save(sidebar_width=self.splitter.sizes()[0], window_geometry=geometry)
        self.controller.close()
        self.documents.shutdown()
        if self.model_manager is not None:
            if isinstance(self.model_manager.remote_tab, RemoteTab):
                self.model_manager.remote_tab.shutdown()
            self.model_manager.shutdown()
        self.remote.remote.shutdown()
        if self.model_services is not None:
            self.model_services.shutdown()  # running downloads pause; they resume at the next start
        if self.server is not None:
            self.server.shutdown()  # before the engine worker it shares
        self.bridge.shutdown()
        super().closeEvent(event)
