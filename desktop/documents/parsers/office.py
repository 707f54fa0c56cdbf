"""Word documents (.docx) through python-docx: paragraphs and tables in document order, one section
per heading ("Heading 1..9" and "Title" styles), headed by the path of headings above it.

A .docx is a zip of XML parts; a zip without them, a renamed file or a damaged archive all
end up as one DamagedDocumentError saying it is not a valid Word document. What its XML parts
declare they inflate to is checked before python-docx opens it (a zip bomb of 61 KB would
otherwise take minutes), and reading the blocks checks the document's time budget
(desktop.documents.parsers.limits). The old binary .doc
format is not read (no pure-Python reader is solid enough); it is refused with that reason.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from pathlib import Path
from typing import Any

from desktop.documents.errors import DamagedDocumentError, DocumentTooLargeError
from desktop.documents.parsers.limits import MAX_INFLATED_XML_BYTES, ParsingStopped, checkpoint
from desktop.documents.parsers.markdown import heading_path
from desktop.documents.parsers.text import clean_text, require_text
from desktop.documents.types import ParsedDocument, Section

log = logging.getLogger(__name__)
MAX_ENTRIES = 10_000  # parts in one archive; a real document has dozens
_HEADING_STYLE = re.compile(r"^(?:Heading\s*(\d)|Title)$", re.IGNORECASE)


def _open(path: Path, data: bytes) -> Any:
    import docx  # imported here: the CLI's other commands should not pay for lxml

    if not data.startswith(b"PK"):
        raise DamagedDocumentError(path, "it is not a valid Word document (.docx): it is not a zip archive")
    _check_inflated_size(path, data)
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, KeyError for a missing part, lxml's XMLSyntaxError, PackageNotFoundError...
        log.info("python-docx could not open %s: %s", path, exc)
        raise DamagedDocumentError(path, "it is not a valid Word document (.docx)") from exc


def _check_inflated_size(path: Path, data: bytes) -> None:
    """zipfile inflates an entry to the size it declares, no further: the declared sizes bound it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DamagedDocumentError(path, "it is not a valid Word document (.docx)") from exc
    xml = sum(e.file_size for e in entries if e.filename.endswith((".xml", ".rels")))
    if xml > MAX_INFLATED_XML_BYTES or len(entries) > MAX_ENTRIES:
        limit = MAX_INFLATED_XML_BYTES // (1024 * 1024)
        raise DocumentTooLargeError(path, f"its text unpacks to more than {limit} MB (a zip bomb?)")


def _style_names(document: Any) -> tuple[dict[str, str], str]:
    """Style id -> display name, and the default paragraph style's name, read once. python-docx's
    `Paragraph.style` searches every style for the default on each unstyled paragraph: about 5 ms
    a paragraph, which made a long document take minutes."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.styles import BabelFish

    names = {s.styleId: BabelFish.internal2ui(s.name_val or "") for s in document.styles.element.style_lst}
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    return names, default.name if default is not None else ""


def _blocks(document: Any) -> list[tuple[str, str]]:
    """(style name, text) for every paragraph and table row, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    names, default_style = _style_names(document)
    blocks: list[tuple[str, str]] = []
    for item in document.iter_inner_content():
        checkpoint()
        if isinstance(item, Paragraph):
            style_id = item._p.style
            blocks.append((names.get(style_id, "") if style_id else default_style, item.text))
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
    except (ParsingStopped, DocumentTooLargeError):
        raise
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
