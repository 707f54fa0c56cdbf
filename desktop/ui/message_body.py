"""A message's rendered text: a QTextBrowser as tall as its content, rendered incrementally while
an answer streams (see desktop/ui/markdown.py for why)."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import QSize, QSizeF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QResizeEvent, QTextCursor
from PySide6.QtWidgets import QSizePolicy, QTextBrowser, QWidget

from desktop.ui.markdown import MarkdownRenderer, settled_length

# Rendering the tail never takes more than about a fifth of the GUI thread: after a render that
# took t seconds, the next waits at least RENDER_GAP_FACTOR * t. Markdown rendering is Python
# holding the GIL, so this also keeps the engine thread generating at full speed.
RENDER_GAP_FACTOR = 4
MIN_RENDER_GAP_S = 0.03


class MessageBody(QTextBrowser):
    code_copied = Signal(int)

    def __init__(self, renderer: MarkdownRenderer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._renderer = renderer
        self.setOpenLinks(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self.anchorClicked.connect(self._on_anchor_clicked)
        self._code_blocks: list[str] = []
        self._tail_code_blocks: list[str] = []
        self._settled = 0  # characters of the streamed text rendered for good
        self._tail_position = 0  # where the re-rendered tail starts in the document
        self._pending = ""
        self._last_render = 0.0
        self._render_gap = MIN_RENDER_GAP_S
        self._deferred = QTimer(self, singleShot=True)
        self._deferred.timeout.connect(self._render_stream)

    # -- content -------------------------------------------------------------------------

    def set_plain(self, text: str) -> None:
        self._deferred.stop()
        self._code_blocks = []
        self.setHtml(f'<p style="white-space: pre-wrap;">{html.escape(text)}</p>')

    def set_markdown(self, text: str) -> None:
        self._deferred.stop()
        rendered = self._renderer.render(text)
        self._code_blocks, self._tail_code_blocks = rendered.code_blocks, []
        self.setHtml(rendered.html)

    def begin_stream(self) -> None:
        self._deferred.stop()
        self.clear()
        self._code_blocks, self._tail_code_blocks = [], []
        self._settled = self._tail_position = 0
        self._pending = ""

    def update_stream(self, text: str) -> None:
        """Show `text`, the whole answer so far; only its unsettled tail is rendered again."""
        self._pending = text
        wait = self._last_render + self._render_gap - time.perf_counter()
        if wait > 0:
            if not self._deferred.isActive():
                self._deferred.start(int(wait * 1000) + 1)
            return
        self._render_stream()

    def finish_stream(self, text: str) -> None:
        """The answer is complete: render what is still unrendered, now. The settled part stays as
        it is; rendering the whole answer again would stall the window for a long answer."""
        self._deferred.stop()
        self._pending = text if text.endswith("\n\n") else text.rstrip("\n") + "\n\n"
        self._render_stream()

    def _render_stream(self) -> None:
        started = time.perf_counter()
        text = self._pending
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._tail_position)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        settled = settled_length(text)
        if settled > self._settled:
            chunk = self._renderer.render(text[self._settled : settled], len(self._code_blocks))
            cursor.insertHtml(chunk.html)
            self._code_blocks += chunk.code_blocks
            self._settled = settled
            self._tail_position = cursor.position()
        tail = text[self._settled :]
        if tail.strip():
            rendered = self._renderer.render(tail, len(self._code_blocks))
            self._tail_code_blocks = rendered.code_blocks
            cursor.insertHtml(rendered.html)
        self._last_render = time.perf_counter()
        self._render_gap = max(MIN_RENDER_GAP_S, (self._last_render - started) * RENDER_GAP_FACTOR)

    def code_block(self, index: int) -> str:
        blocks = self._code_blocks + self._tail_code_blocks
        return blocks[index] if 0 <= index < len(blocks) else ""

    # -- behaviour -----------------------------------------------------------------------

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "copy":
            index = int(url.path() or url.toString().split(":", 1)[1])
            QGuiApplication.clipboard().setText(self.code_block(index))
            self.code_copied.emit(index)
        elif url.scheme() in ("http", "https", "mailto", "file"):
            QDesktopServices.openUrl(url)

    def _fit_height(self, size: QSizeF | None = None) -> None:
        # The signal carries the new size: asking the document again would lay it out again.
        document_height = size.height() if size is not None else self.document().size().height()
        height = int(document_height) + 2 * self.frameWidth() + 2
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)  # QTextEdit lays the document out again at a new width
        if event.size().width() != event.oldSize().width():
            self._fit_height()

    def sizeHint(self) -> QSize:
        return QSize(400, self.height())

    def wheelEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        event.ignore()  # let the conversation scroll, not this fixed-height view
