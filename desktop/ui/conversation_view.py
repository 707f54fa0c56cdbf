"""The messages of one conversation, newest at the bottom.

Only the newest messages get widgets when a conversation opens (a 10,000-message chat must
open at once); "Show earlier messages" adds older ones a page at a time.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from desktop.chats import Message
from desktop.ui.markdown import MarkdownRenderer
from desktop.ui.message_widget import MessageWidget

PAGE = 40
# A message scrolled to stays at the top while the messages around it settle their heights.
PIN_MS = 1500
TOP_MARGIN_PX = 40
EMPTY_TEXT = (
    "<h2>Start a conversation</h2>"
    "<p>Everything you write, and every answer, stays on this computer.</p>"
)


class ConversationView(QScrollArea):
    edit_submitted = Signal(int, str)
    regenerate_requested = Signal(int)
    delete_requested = Signal(int)
    alternative_requested = Signal(int, int)

    def __init__(self, renderer: MarkdownRenderer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationView")
        self.renderer = renderer
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        container = QWidget(objectName="messageContainer")
        self._layout = QVBoxLayout(container)
        self._layout.setContentsMargins(24, 12, 24, 12)
        self._layout.setSpacing(10)
        self.earlier_button = QPushButton("Show earlier messages", objectName="earlierButton")
        self.earlier_button.clicked.connect(self.show_earlier)
        self.placeholder = QLabel(EMPTY_TEXT, objectName="emptyPlaceholder", alignment=Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.notice = QLabel(objectName="errorLabel", wordWrap=True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        self._layout.addWidget(self.earlier_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self._layout.addWidget(self.placeholder, 1)
        self._layout.addStretch(1)
        self._layout.addWidget(self.notice)
        self.setWidget(container)
        self._thread: list[Message] = []
        self._alternatives: dict[int, tuple[int, int]] = {}
        self._shown_from = 0
        self.widgets: dict[int, MessageWidget] = {}
        self._follow = True
        self._welcome_showing = False
        self._pinned: MessageWidget | None = None
        self._unpin = QTimer(self, singleShot=True, interval=PIN_MS)
        self._unpin.timeout.connect(self._release_pin)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)

    # -- showing a thread ----------------------------------------------------------------

    def show_thread(self, thread: list[Message], alternatives: dict[int, tuple[int, int]]) -> None:
        self.clear()
        self._thread, self._alternatives = list(thread), alternatives
        self._shown_from = max(0, len(thread) - PAGE)
        for message in thread[self._shown_from :]:
            self._insert(message, at_end=True)
        self._update_chrome()
        self._follow = True
        self.scroll_to_bottom()

    def show_earlier(self) -> None:
        start = max(0, self._shown_from - PAGE)
        bar = self.verticalScrollBar()
        distance_from_bottom = bar.maximum() - bar.value()
        for message in reversed(self._thread[start : self._shown_from]):
            self._insert(message, at_end=False)
        self._shown_from = start
        self._update_chrome()
        # Keep what the reader was looking at in place while older messages appear above it.
        QTimer.singleShot(0, lambda: bar.setValue(bar.maximum() - distance_from_bottom))

    def clear(self) -> None:
        self._release_pin()
        for widget in self.widgets.values():
            widget.deleteLater()
        self.widgets.clear()
        self._thread, self._alternatives, self._shown_from = [], {}, 0
        self.notice.hide()
        self._update_chrome()

    def append_message(self, message: Message, alternative: tuple[int, int] = (1, 1)) -> MessageWidget:
        self._thread.append(message)
        self._alternatives[message.id] = alternative
        widget = self._insert(message, at_end=True)
        self._update_chrome()
        self._follow = True
        self.scroll_to_bottom()
        return widget

    def _insert(self, message: Message, at_end: bool) -> MessageWidget:
        widget = MessageWidget(message, self.renderer, self._alternatives.get(message.id, (1, 1)))
        widget.edit_submitted.connect(self.edit_submitted)
        widget.regenerate_requested.connect(self.regenerate_requested)
        widget.delete_requested.connect(self.delete_requested)
        widget.alternative_requested.connect(self.alternative_requested)
        # Layout: [earlier button][placeholder][messages...][stretch][notice]
        index = self._layout.count() - 2 if at_end else 2
        self._layout.insertWidget(index, widget)
        self.widgets[message.id] = widget
        return widget

    def _update_chrome(self) -> None:
        self.earlier_button.setVisible(self._shown_from > 0)
        self.placeholder.setVisible(not self.widgets and not self._welcome_showing)

    def set_welcome_showing(self, showing: bool) -> None:
        """The first-run welcome says what the empty state says, over it: only one of them shows."""
        self._welcome_showing = showing
        self._update_chrome()

    # -- notices -------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()
        self.scroll_to_bottom()

    def clear_error(self) -> None:
        self.notice.hide()

    # -- scrolling -----------------------------------------------------------------------

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def scroll_to_message(self, message_id: int, words: list[str] | None = None) -> None:
        """Show the message at the top, with `words` marked in it (a search hit)."""
        while message_id not in self.widgets and self._shown_from > 0:
            self.show_earlier()
        widget = self.widgets.get(message_id)
        if widget is not None:
            self._follow = False
            widget.body.mark(words or [])
            self._pinned = widget
            self._unpin.start()
            QTimer.singleShot(0, self._scroll_to_pinned)

    def _scroll_to_pinned(self) -> None:
        if self._pinned is not None:
            self.verticalScrollBar().setValue(self._pinned.y() - TOP_MARGIN_PX)

    def _release_pin(self) -> None:
        self._pinned = None
        self._unpin.stop()

    def _on_scrolled(self, value: int) -> None:
        # Follow a streaming answer only while the reader stays at the bottom.
        self._follow = self._pinned is None and value >= self.verticalScrollBar().maximum() - 8

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._pinned is not None:
            self._scroll_to_pinned()  # messages above it grew as they were laid out
        elif self._follow:
            self.verticalScrollBar().setValue(maximum)

    def set_renderer(self, renderer: MarkdownRenderer) -> None:
        """A new theme: re-render the shown messages with its code colours."""
        self.renderer = renderer
        for widget in self.widgets.values():
            widget.set_renderer(renderer)
