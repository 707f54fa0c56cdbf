"""Light and dark themes: follow the system's colour scheme unless the user picks one."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop.settings import Theme
from desktop.ui.markdown import DARK_CODE, LIGHT_CODE, CodeStyle

_DARK = {
    QPalette.ColorRole.Window: "#202124",
    QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#17181b",
    QPalette.ColorRole.AlternateBase: "#26282c",
    QPalette.ColorRole.Text: "#e8eaed",
    QPalette.ColorRole.Button: "#2d2f33",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.Highlight: "#3d6fd6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2d2f33",
    QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.PlaceholderText: "#8a8f98",
    QPalette.ColorRole.Link: "#7aa7ff",
    QPalette.ColorRole.Mid: "#3a3d44",
}
_LIGHT = {
    QPalette.ColorRole.Window: "#f3f4f6",
    QPalette.ColorRole.WindowText: "#1f2328",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f6f8fa",
    QPalette.ColorRole.Text: "#1f2328",
    QPalette.ColorRole.Button: "#ffffff",
    QPalette.ColorRole.ButtonText: "#1f2328",
    QPalette.ColorRole.Highlight: "#2f6fd6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1f2328",
    QPalette.ColorRole.PlaceholderText: "#6e7781",
    QPalette.ColorRole.Link: "#2f6fd6",
    QPalette.ColorRole.Mid: "#d0d7de",
}

_STYLE_SHEET = """
QWidget#sidebar {{ background: {sidebar}; }}
QFrame#userBubble {{ background: {bubble}; border-radius: 10px; }}
QLabel#roleLabel {{ font-weight: 600; }}
QLabel#statsLabel, QLabel#noticeLabel {{ color: {muted}; }}
QLabel#errorLabel {{ color: {error}; }}
QFrame#crashNotice {{ background: {warning}; border: 1px solid {warn_edge}; border-radius: 8px; margin: 4px 16px; }}
QPushButton#sendButton {{ padding: 6px 16px; }}
QToolButton {{ border: none; padding: 2px 6px; border-radius: 4px; }}
QToolButton:hover {{ background: {hover}; }}
QTextBrowser {{ border: none; background: transparent; }}
QScrollArea#settingsSheet {{ border: none; border-left: 1px solid {border}; }}
QLabel#composerNote {{ color: {muted}; }}
"""


class ThemeManager(QObject):
    """Applies a theme to the application and says when the effective scheme changes."""

    changed = Signal(bool)  # dark?

    def __init__(self, app: QApplication, theme: Theme, font_size: int) -> None:
        super().__init__(app)
        self._app = app
        self._theme = theme
        self._font_size = font_size
        app.setStyle("Fusion")  # the same look on every platform, and palettes apply fully
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_scheme_changed)
        self.apply()

    @property
    def dark(self) -> bool:
        if self._theme == "system":
            return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
        return self._theme == "dark"

    @property
    def code_style(self) -> CodeStyle:
        return DARK_CODE if self.dark else LIGHT_CODE

    @property
    def font_size(self) -> int:
        return self._font_size

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.apply()

    def set_font_size(self, points: int) -> None:
        self._font_size = max(8, min(28, points))
        self.apply()

    def apply(self) -> None:
        dark = self.dark
        palette = QPalette()
        for role, color in (_DARK if dark else _LIGHT).items():
            palette.setColor(role, QColor(color))
        self._app.setPalette(palette)
        font = QFont(self._app.font())
        font.setPointSize(self._font_size)
        self._app.setFont(font)
        self._app.setStyleSheet(
            _STYLE_SHEET.format(
                sidebar="#1a1b1e" if dark else "#eceef1",
                bubble="#2b2e35" if dark else "#e8eefb",
                muted="#8a8f98" if dark else "#6e7781",
                error="#ff7b72" if dark else "#c62828",
                hover="#3a3d44" if dark else "#dfe3e8",
                warning="#3b2e0a" if dark else "#fff8c5",
                warn_edge="#9e6a03" if dark else "#d4a72c",
                border="#3a3d44" if dark else "#d0d7de",
            )
        )
        self.changed.emit(dark)

    def _on_system_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._theme == "system":
            self.apply()
