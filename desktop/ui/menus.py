"""The window's menu bar and its keyboard shortcuts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QKeySequence, QShortcut

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None


def build_menus(window: MainWindow) -> None:
    def action(menu: Any, text: str, slot: Any, shortcut: Shortcut = None) -> QAction:
        act: QAction = menu.addAction(text)
        act.triggered.connect(slot)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        return act

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    action(file_menu, "New chat", window.new_chat, QKeySequence.StandardKey.New)
    action(file_menu, "Export chat…", lambda: window.export_dialog(None), "Ctrl+Shift+E")
    file_menu.addSeparator()
    action(file_menu, "Settings…", window.open_settings, QKeySequence.StandardKey.Preferences)
    action(file_menu, "Lock now", window.privacy.lock, "Ctrl+L")
    file_menu.addSeparator()
    action(file_menu, "Quit", window.close, QKeySequence.StandardKey.Quit)
    edit_menu = bar.addMenu("&Edit")
    action(edit_menu, "Search chats", window.sidebar.focus_search, QKeySequence.StandardKey.Find)
    action(edit_menu, "Rename chat", window.rename_current, "F2")
    view_menu = bar.addMenu("&View")
    themes = QActionGroup(window)
    for theme, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
        act = action(view_menu, f"Theme: {label}", lambda _=False, t=theme: window.set_theme(t))
        act.setCheckable(True)
        act.setChecked(window.settings.theme == theme)
        themes.addAction(act)
    view_menu.addSeparator()
    action(view_menu, "Bigger text", lambda: window.set_font_size(window.settings.font_size + 1),
           QKeySequence.StandardKey.ZoomIn)
    action(view_menu, "Smaller text", lambda: window.set_font_size(window.settings.font_size - 1),
           QKeySequence.StandardKey.ZoomOut)
    action(view_menu, "Chat settings", window.header.settings_button.toggle, "Ctrl+,")
    model_menu = bar.addMenu("&Model")
    action(model_menu, "Choose model", window.focus_model_selector, "Ctrl+K")
    action(model_menu, "Manage models…", lambda: window.open_model_manager(), "Ctrl+Shift+M")
    action(model_menu, "Template doctor…", window.open_template_doctor, "Ctrl+Shift+T")
    help_menu = bar.addMenu("&Help")
    action(help_menu, "Copy diagnostics", window.copy_diagnostics)
    action(help_menu, "Open log folder",
           lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(window.paths.logs))))
    help_menu.addSeparator()
    action(help_menu, "About Hearth", window.show_about)
    QShortcut(QKeySequence(Qt.Key.Key_Escape), window, activated=window.controller.stop)
