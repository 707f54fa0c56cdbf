"""The chat settings as a sheet over the right edge of the conversation.

A panel beside the conversation made the window wider than a laptop's screen (its minimum
width grew by the panel's); a sheet over the conversation costs no width at all, and scrolls
when the window is too short for it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

# As wide as this many average characters, but never more than the conversation minus a margin.
SHEET_CHARACTERS = 40
UNCOVERED_PX = 120


class SettingsSheet(QScrollArea):
    """Shows `panel` over `over`'s right edge, following its geometry; hidden until shown."""

    def __init__(self, panel: QWidget, over: QWidget) -> None:
        super().__init__(over.parentWidget())
        self.setObjectName("settingsSheet")
        self._over, self._panel = over, panel
        self.setWidget(panel)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAutoFillBackground(True)
        panel.setAutoFillBackground(True)
        over.installEventFilter(self)
        self.hide()

    def setVisible(self, visible: bool) -> None:
        super().setVisible(visible)
        if visible:
            self.place()
            self.raise_()

    def place(self) -> None:
        area = self._over.geometry()
        wanted = max(self._panel.minimumSizeHint().width(), self.fontMetrics().averageCharWidth() * SHEET_CHARACTERS)
        width = max(0, min(wanted, area.width() - UNCOVERED_PX))
        self.setGeometry(area.right() + 1 - width, area.top(), width, area.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._over and event.type() in (QEvent.Type.Resize, QEvent.Type.Move) and self.isVisible():
            self.place()
        return super().eventFilter(watched, event)
