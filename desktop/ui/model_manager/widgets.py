"""Small widgets the model manager's tabs share: a message line, fit badges, read-only tables."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QWidget

from desktop.text import printable
from desktop.ui.model_manager.formatting import FitBadge

VERDICT_ROLE = Qt.ItemDataRole.UserRole + 20
# Readable on the light and the dark palette of desktop.ui.themes (GitHub's Primer colours).
_FIT_COLOURS = {
    "fits": ("#1a7f37", "#3fb950"),
    "tight": ("#9a6700", "#d29922"),
    "won't fit": ("#cf222e", "#f85149"),
}
_MUTED = ("#6e7781", "#8a8f98")


def is_dark(_widget: QWidget | None = None) -> bool:
    """Whether the application's theme is dark. Read from the application palette, which
    ThemeManager sets before any widget hears of the change (a widget's own palette follows later)."""
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def fit_colour(verdict: str | None, dark: bool) -> QColor:
    light_colour, dark_colour = _FIT_COLOURS.get(verdict or "", _MUTED)
    return QColor(dark_colour if dark else light_colour)


class MessageLine(QLabel):
    """One line of feedback under a tab's controls: what just happened, or what went wrong."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()

    @property
    def is_error(self) -> bool:
        return self.objectName() == "errorLabel"

    def show_info(self, text: str) -> None:
        self._show(text, "noticeLabel")

    def show_error(self, text: str) -> None:
        self._show(text, "errorLabel")

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    def _show(self, text: str, name: str) -> None:
        self.setObjectName(name)  # the application style sheet colours these two names
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        self.show()


def make_table(headers: Sequence[str], stretch: int, parent: QWidget | None = None) -> QTableWidget:
    """A read-only, row-selecting table whose `stretch` column takes the spare width."""
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setHighlightSections(False)
    return table


def cell(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The item of a cell the tab filled itself (every row gets an item in every column)."""
    item = table.item(row, column)
    if item is None:
        raise LookupError(f"row {row}, column {column} of the table has no item")
    return item


def text_item(text: str, tooltip: str | None = None, *, align_right: bool = False) -> QTableWidgetItem:
    """A cell; names and tooltips often come from model files, so control characters go."""
    item = QTableWidgetItem(printable(text, one_line=True))
    if tooltip:
        item.setToolTip(printable(tooltip))
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def set_fit(item: QTableWidgetItem, badge: FitBadge | None, dark: bool, *, pending: str = "…") -> None:
    """Show a verdict in a table cell: coloured bold text, the numbers in its tooltip."""
    if badge is None:
        item.setText(pending)
        item.setData(VERDICT_ROLE, None)
        item.setToolTip("Estimating the memory it needs…" if pending == "…" else "")
    else:
        item.setText(f"● {badge.text}")
        item.setData(VERDICT_ROLE, badge.verdict)
        item.setToolTip(badge.tooltip)
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
    item.setForeground(QBrush(fit_colour(item.data(VERDICT_ROLE), dark)))


def recolour_fit_column(table: QTableWidget, column: int, dark: bool) -> None:
    for row in range(table.rowCount()):
        item = table.item(row, column)
        if item is not None:
            item.setForeground(QBrush(fit_colour(item.data(VERDICT_ROLE), dark)))
