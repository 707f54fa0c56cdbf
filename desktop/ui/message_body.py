"""A message's rendered text: a QTextBrowser as tall as its content, rendered incrementally while
an answer streams (see desktop/ui/markdown.py for why and where it is split). When the answer
ends, the document is exactly the one a full render of the final text gives."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import QSize, QSizeF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QGuiApplication,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocumentFragment,
)
from PySide6.QtWidgets import QSizePolicy, QTextBrowser, QTextEdit, QWidget

from desktop.ui.markdown import MarkdownRenderer

# Rendering the tail never takes more than about a fifth of the GUI thread: after a render that
# took t seconds, the next waits at least RENDER_GAP_FACTOR * t. Markdown rendering is Python
# holding the GIL, so this also keeps the engine thread generating at full speed.
RENDER_GAP_FACTOR = 4
MIN_RENDER_GAP_S = 0.03
_MERGE_CATCHER = "\u2063"  # see MessageBody._append_html
MARK_BACKGROUND = "#ffd54f"  # search matches, readable in both themes (the text turns black)


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
        self._settled_text = ""  # the start of the streamed text, rendered for good
        self._tail_position: int | None = None  # where the re-rendered tail starts; None: nothing settled shown
        self._references = False  # the streamed text defines a link reference
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
        self.setHtml(rendered.html.rstrip("\n"))

    def begin_stream(self) -> None:
        self._deferred.stop()
        self.clear()
        self._code_blocks, self._tail_code_blocks = [], []
        self._settled_text = ""
        self._tail_position = None
        self._references = False
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
        it is (rendering the whole answer again would stall the window for a long answer), and
        what is added makes the document exactly the one `set_markdown(text)` makes."""
        self._deferred.stop()
        if self._references or not text.startswith(self._settled_text):
            self.set_markdown(text)  # a link reference can change any link before it
            return
        self._pending = text
        self._render_stream(final=True)
        if self._references:
            self.set_markdown(text)

    def _render_stream(self, final: bool = False) -> None:
        started = time.perf_counter()
        text = self._pending
        if not text.startswith(self._settled_text):  # the text changed behind what was settled
            self.begin_stream()
            self._pending = text
        done = len(self._settled_text)
        settled = len(text) if final else done + self._renderer.settled_length(text[done:])
        self._remove_tail()
        if settled > done:
            chunk = self._renderer.render(text[done:settled], len(self._code_blocks))
            self._append_html(chunk.html)
            self._code_blocks += chunk.code_blocks
            self._references |= chunk.references
            self._settled_text = text[:settled]
            if self._tail_position is not None or chunk.html.strip():
                self._tail_position = self._end_position()
        self._tail_code_blocks = []
        tail = text[settled:]
        if tail.strip():
            rendered = self._renderer.render(tail, len(self._code_blocks))
            self._tail_code_blocks = rendered.code_blocks
            self._append_html(rendered.html)
        self._last_render = time.perf_counter()
        self._render_gap = max(MIN_RENDER_GAP_S, (self._last_render - started) * RENDER_GAP_FACTOR)

    def _end_position(self) -> int:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor.position()

    def _remove_tail(self) -> None:
        if self._tail_position is None:  # nothing settled on screen yet: start from empty
            self.clear()
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._tail_position)
        formats = _block_formats(cursor)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        _restore_block_formats(cursor, formats)

    def _append_html(self, markup: str) -> None:
        """Add blocks after the document's last block, as setHtml would have laid them out.
        QTextCursor.insertHtml merges the first inserted block into the block at the cursor,
        losing its paragraph break, margins and list: so a throwaway paragraph goes first, takes
        that merge, and its one character is deleted again. An edit that starts at the start of
        a block (an empty one: a rule, the paragraph after a table) gives that block another
        block's format, so the last block's format is put back."""
        markup = markup.rstrip("\n")
        if not markup:
            return
        if self._tail_position is None:  # the first blocks: nothing to merge into
            self.setHtml(markup)
            return
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        start = cursor.position()
        formats = _block_formats(cursor)
        cursor.insertFragment(QTextDocumentFragment.fromHtml(f"<p>{_MERGE_CATCHER}</p>{markup}"))
        cursor.setPosition(start)
        cursor.setPosition(start + 1, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        _restore_block_formats(cursor, formats)

    def mark(self, words: list[str]) -> None:
        """Mark every occurrence of `words` (a search's matches), or nothing."""
        marked = QTextCharFormat()
        marked.setBackground(QColor(MARK_BACKGROUND))
        marked.setForeground(QColor("black"))
        selections = []
        for word in words:
            cursor = self.document().find(word)
            while not cursor.isNull():
                selection = QTextEdit.ExtraSelection()
                selection.cursor, selection.format = cursor, marked  # type: ignore[misc]
                selections.append(selection)
                cursor = self.document().find(word, cursor)
        self.setExtraSelections(selections)

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


def _block_formats(cursor: QTextCursor) -> tuple[QTextBlockFormat, QTextCharFormat]:
    return cursor.blockFormat(), cursor.blockCharFormat()


def _restore_block_formats(cursor: QTextCursor, formats: tuple[QTextBlockFormat, QTextCharFormat]) -> None:
    block_format, char_format = formats
    if cursor.blockFormat() != block_format:
        cursor.setBlockFormat(block_format)
    if cursor.blockCharFormat() != char_format:
        cursor.setBlockCharFormat(char_format)
