"""PDF through pypdf: one section per page with text, headed by the outline entry (bookmark) that
covers the page when the file has an outline.

pypdf is pure Python (no native code to crash the app on a hostile file) and reads damaged
files leniently (`strict=False`). Whatever it raises on a file beyond repair, a truncated
download or a renamed non-PDF, becomes one DamagedDocumentError: its messages ("EOF marker not
found", "startxref not found") mean nothing to a user. A password-protected file is tried with
the empty password (many "protected" PDFs only restrict printing); a scanned PDF has pages but
no text layer, and says so rather than indexing nothing silently.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from desktop.documents.errors import (
    DamagedDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
)
from desktop.documents.parsers.limits import ParsingStopped, checkpoint
from desktop.documents.parsers.text import clean_text
from desktop.documents.types import ParsedDocument, Section

log = logging.getLogger(__name__)
_HEADING_CHARS = 100


def _reader(path: Path, data: bytes) -> Any:
    import pypdf  # imported here: the CLI's other commands should not pay for it

    if not data.lstrip().startswith(b"%PDF"):
        raise DamagedDocumentError(path, "it is not a PDF file (it does not start with %PDF)")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedDocumentError(path, "it is password-protected")
        _ = len(reader.pages)  # reading the page tree is where most damaged files fail
    except EncryptedDocumentError:
        raise
    except pypdf.errors.FileNotDecryptedError as exc:
        raise EncryptedDocumentError(path, "it is password-protected") from exc
    except Exception as exc:  # pypdf raises many types on damaged input (PdfReadError, ValueError, KeyError...)
        log.info("pypdf could not open %s: %s", path, exc)
        raise DamagedDocumentError(path, "the PDF is damaged or incomplete") from exc
    return reader


def _outline_headings(reader: Any) -> dict[int, str]:
    """0-based page index -> title of the outline entry that starts on it (top level and nested)."""
    starts: dict[int, str] = {}

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # a dangling bookmark is no reason to lose the document
                continue
            title = " ".join(str(getattr(item, "title", "") or "").split())[:_HEADING_CHARS]
            if page is not None and page >= 0 and title and page not in starts:
                starts[page] = title

    try:
        walk(reader.outline)
    except Exception as exc:
        log.info("Ignoring an unreadable PDF outline: %s", exc)
    return starts


def parse_pdf(path: Path, data: bytes) -> ParsedDocument:
    reader = _reader(path, data)
    starts = _outline_headings(reader)
    sections: list[Section] = []
    heading: str | None = None
    pages = 0
    try:
        for index, page in enumerate(reader.pages):
            checkpoint()
            pages += 1
            heading = starts.get(index, heading)
            text = clean_text(page.extract_text() or "")
            if text.strip():
                sections.append(Section(text, heading=heading, page=index + 1))
    except (ParsingStopped, DocumentTooLargeError):
        raise
    except Exception as exc:
        if not sections:
            raise DamagedDocumentError(path, "the PDF is damaged or incomplete") from exc
        # Keep the pages read before the damage; a partial document is more use than none.
        log.warning("Stopped reading %s at page %d: %s", path, pages, exc)
    if not sections:
        if pages == 0:
            raise EmptyDocumentError(path, "the PDF has no pages")
        raise EmptyDocumentError(path, "it has no text layer (a scanned PDF?); Hearth does not read text in images")
    title = None
    try:
        metadata = reader.metadata
        title = " ".join(str(metadata.title).split()) or None if metadata and metadata.title else None
    except Exception:
        title = None
    return ParsedDocument(path, "pdf", title, tuple(sections))
