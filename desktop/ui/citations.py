"""Citation numbers in an answer's text ("[1]", "[2]") as links to the sources listed under it.

Applied to the finished answer's rendered document, after whatever rendered it (the Markdown
renderer, streaming or not): the numbers are found in the document's text, so rendering knows
nothing about citations. A number in code (a list index, `a[1]`) or above the count of sources
stays plain text. The link is `cite:N`; its tooltip names the source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QRegularExpression, QUrl
from PySide6.QtGui import QColor, QTextCharFormat, QTextDocument

CITE_SCHEME = "cite"
_NUMBER = QRegularExpression(r"\[(\d{1,3})\]")


def source_label(citation: Mapping[str, Any]) -> str:
    where = f", {citation['location']}" if citation.get("location") else ""
    return f"[{citation.get('number')}] {citation.get('file_name')}{where}"


def link_citations(document: QTextDocument, citations: Sequence[Mapping[str, Any]], colour: QColor) -> int:
    """Make each [n] that names one of `citations` a link to it; returns how many were linked."""
    numbers = {int(c["number"]): c for c in citations if isinstance(c.get("number"), int)}
    linked = 0
    found = document.find(_NUMBER)
    while not found.isNull():
        number = int(found.selectedText()[1:-1])
        in_code = found.block().blockFormat().nonBreakableLines() or found.charFormat().fontFixedPitch()
        if number in numbers and not in_code and not found.charFormat().isAnchor():
            link = QTextCharFormat()
            link.setAnchor(True)
            link.setAnchorHref(f"{CITE_SCHEME}:{number}")
            link.setForeground(colour)
            link.setToolTip(source_label(numbers[number]))
            found.mergeCharFormat(link)
            linked += 1
        found = document.find(_NUMBER, found)
    return linked


def cited_number(url: QUrl) -> int | None:
    """N for a `cite:N` link, None for any other."""
    if url.scheme() != CITE_SCHEME:
        return None
    number = url.path() or url.toString().split(":", 1)[-1]
    return int(number) if number.isdigit() else None

