"""HTML: visible text in reading order, one section per heading (h1-h6), with the page's <title>.

The standard library's HTMLParser is forgiving of broken markup, which saved pages are full of.
Scripts, styles, templates and SVG are dropped; block elements (paragraphs, list items, table
rows, <br>) end a line so paragraphs survive into the chunker.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from desktop.documents.errors import EncodingError
from desktop.documents.parsers.limits import checkpoint
from desktop.documents.parsers.markdown import heading_path
from desktop.documents.parsers.text import decode_text, require_text
from desktop.documents.types import ParsedDocument, Section

_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "head"})
_BLOCKS = frozenset(
    {"p", "div", "li", "tr", "br", "pre", "blockquote", "section", "article", "header", "footer",
     "ul", "ol", "table", "dt", "dd", "figcaption", "hr", "main", "aside", "nav", "form"}
)
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_FEED_CHARS = 1 << 20
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self.title: str | None = None
        self._stack: list[tuple[int, str]] = []
        self._text: list[str] = []
        self._heading: list[str] | None = None
        self._heading_level = 0
        self._skip_depth = 0
        self._in_title = False
        self._title_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIPPED:
            self._skip_depth += 1
        elif tag in _HEADINGS and self._skip_depth == 0:
            self._flush()
            self._heading, self._heading_level = [], _HEADINGS[tag]
        elif tag in _BLOCKS:
            self._break(2 if tag == "p" else 1)

    def _break(self, newlines: int) -> None:
        """End the current line (or paragraph), without stacking breaks of nested blocks."""
        tail = "".join(self._text[-4:])
        have = len(tail) - len(tail.rstrip("\n"))
        if have < newlines:
            self._text.append("\n" * (newlines - have))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
            self.title = " ".join("".join(self._title_parts).split()) or None
        elif tag in _SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _HEADINGS and self._heading is not None:
            text = " ".join("".join(self._heading).split())
            if text:
                while self._stack and self._stack[-1][0] >= self._heading_level:
                    self._stack.pop()
                self._stack.append((self._heading_level, text))
            self._heading = None
        elif tag in _BLOCKS:
            self._break(2 if tag == "p" else 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)
        elif self._skip_depth:
            return
        elif self._heading is not None:
            self._heading.append(data)
        else:
            self._text.append(data)

    def _flush(self) -> None:
        lines = [" ".join(line.split()) for line in "".join(self._text).split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
        if text:
            self.sections.append(Section(text, heading=heading_path(self._stack)))
        self._text = []

    def finish(self) -> None:
        self.close()
        self._flush()


def _decode(path: Path, data: bytes) -> str:
    try:
        return decode_text(data, path)
    except EncodingError:
        # A page that is not UTF-8 usually says what it is; believe it only when it says so.
        declared = _CHARSET.search(data[:4096])
        if declared is None:
            raise
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError) as exc:
            charset = declared.group(1).decode("ascii")
            raise EncodingError(path, f"its text does not match its declared charset {charset}") from exc


def parse_html(path: Path, data: bytes) -> ParsedDocument:
    extractor = _Extractor()
    text = _decode(path, data)
    for start in range(0, len(text), _FEED_CHARS):  # in pieces, so a huge page can be stopped
        checkpoint()
        extractor.feed(text[start : start + _FEED_CHARS])
    extractor.finish()
    return ParsedDocument(path, "html", extractor.title, require_text(extractor.sections, path))
