"""Word documents (.docx) through python-docx: paragraphs and tables in document order, one section
per heading ("Heading 1..9" and "Title" styles), headed by the path of headings above it.

A .docx is a zip of XML parts; a zip without them, a renamed file or a damaged archive all
end up as one DamagedDocumentError saying it is not a valid Word document. The old binary .doc
format is not read (no pure-Python reader is solid enough); it is refused with that reason.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

from desktop.documents.errors import DamagedDocumentError
from desktop.documents.parsers.markdown import heading_path
from desktop.documents.parsers.text import clean_text, require_text
from desktop.documents.types import ParsedDocument, Section

log = logging.getLogger(__name__)
_HEADING_STYLE = re.compile(r"^(?:Heading\s*(\d)|Title)$", re.IGNORECASE)


def _open(path: Path, data: bytes) -> Any:
    import docx  # imported here: the CLI's other commands should not pay for lxml

    if not data.startswith(b"PK"):
        raise DamagedDocumentError(path, "it is not a valid Word document (.docx): it is not a zip archive")
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, KeyError for a missing part, lxml's XMLSyntaxError, PackageNotFoundError...
        log.info("python-docx could not open %s: %s", path, exc)
        raise DamagedDocumentError(path, "it is not a valid Word document (.docx)") from exc


def _blocks(document: Any) -> list[tuple[str, str]]:
    """(style name, text) for every paragraph and table row, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[tuple[str, str]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            style = item.style.name if item.style is not None else ""
            blocks.append((style or "", item.text))
        elif isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = " ".join(cell.text.split())
                    if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                        cells.append(text)
                if cells:
                    blocks.append(("", " | ".join(cells)))
    return blocks


def parse_docx(path: Path, data: bytes) -> ParsedDocument:
    document = _open(path, data)
    try:
        blocks = _blocks(document)
        core_title = (document.core_properties.title or "").strip() or None
    except Exception as exc:
        raise DamagedDocumentError(path, "it is not a valid Word document (.docx)") from exc
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    title = core_title
    body: list[str] = []

    def flush() -> None:
        nonlocal body
        text = clean_text("\n\n".join(p for p in body if p.strip()))
        if text.strip():
            sections.append(Section(text, heading=heading_path(stack)))
        body = []

    for style, text in blocks:
        match = _HEADING_STYLE.match(style.strip())
        heading = " ".join(text.split())
        if match and heading:
            flush()
            level = int(match.group(1)) if match.group(1) else 0
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading))
            if title is None and level <= 1:
                title = heading
        else:
            body.append(text)
    flush()
    return ParsedDocument(path, "docx", title, require_text(sections, path))
