"""Plain text and source code: decoding, binary detection, and sections with line numbers.

Decoding is strict: UTF-8 (with or without a byte-order mark) or UTF-16 with a byte-order
mark. Guessing a legacy code page (Windows-1252, Shift-JIS...) from the bytes alone is wrong
often enough that the index would hold mojibake the user cannot see; a file that is not UTF-8
is listed with that reason instead, and re-saving it as UTF-8 fixes it.

Source code is cut at top-level definitions (a line at column 0 that starts a function, class,
type...), each section headed by that line: a citation then reads "def open_file(path)" rather
than "line 412". Plain text is cut into paragraphs at blank lines, each with its first line.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from desktop.documents.errors import EmptyDocumentError, EncodingError, UnsupportedFormatError
from desktop.documents.types import ParsedDocument, Section

# Control characters that text files do carry (tab, newlines, form feed, escape for ANSI colours).
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\b\x1b")
_SNIFF_BYTES = 8192
# A definition line in most languages: Python, JS/TS, Rust, Go, C-family, Java/Kotlin, Ruby, shell.
_DEFINITION = re.compile(
    r"^(?:export\s+(?:default\s+)?)?(?:pub(?:\(crate\))?\s+)?(?:async\s+)?"
    r"(?:def|class|function|fn|func|impl|struct|enum|trait|interface|type|module|namespace|"
    r"public|private|protected|static|fun|object|sub|proc|macro_rules!|CREATE)\b"
)
_HEADING_CHARS = 100


def looks_binary(data: bytes) -> bool:
    """True for bytes no text editor would show as text: NUL bytes, or many control characters."""
    sample = data[:_SNIFF_BYTES]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in _TEXT_CONTROLS)
    return controls > len(sample) // 20


def decode_text(data: bytes, path: Path) -> str:
    """The text of a file, NFC-normalised with "\\n" line ends. Raises EmptyDocumentError,
    UnsupportedFormatError (binary) or EncodingError (not UTF-8)."""
    if not data:
        raise EmptyDocumentError(path, "the file is empty")
    marks = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, codec in marks:
        if data.startswith(bom):
            try:
                return clean_text(data.decode(codec))
            except UnicodeDecodeError as exc:
                raise EncodingError(path, f"its {codec.upper()} text is damaged at byte {exc.start}") from exc
    if looks_binary(data):
        raise UnsupportedFormatError(path, "it is not a text file nor a document format Hearth reads")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            path,
            f"it is not UTF-8 text (byte 0x{data[exc.start]:02X} at position {exc.start}); "
            "save it as UTF-8 to index it",
        ) from exc
    return clean_text(text)


def clean_text(text: str) -> str:
    """One line-end convention, no NUL characters, NFC (so "é" is one code point for search)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return unicodedata.normalize("NFC", text)


def require_text(sections: list[Section], path: Path) -> tuple[Section, ...]:
    """The sections that hold text; EmptyDocumentError when none does."""
    kept = tuple(s for s in sections if s.text.strip())
    if not kept:
        raise EmptyDocumentError(path, "it contains no text")
    return kept


def paragraphs(text: str, first_line: int = 1) -> list[Section]:
    """Blocks separated by blank lines, each with the line it starts on."""
    sections: list[Section] = []
    block: list[str] = []
    start = first_line
    for number, line in enumerate(text.split("\n"), start=first_line):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            sections.append(Section("\n".join(block), line=start))
            block = []
    if block:
        sections.append(Section("\n".join(block), line=start))
    return sections


def parse_text(path: Path, data: bytes) -> ParsedDocument:
    text = decode_text(data, path)
    return ParsedDocument(path, "text", None, require_text(paragraphs(text), path))


def parse_code(path: Path, data: bytes) -> ParsedDocument:
    text = decode_text(data, path)
    sections: list[Section] = []
    heading: str | None = None
    start, lines = 1, []  # type: tuple[int, list[str]]
    for number, line in enumerate(text.split("\n"), start=1):
        if _DEFINITION.match(line) and lines:
            sections.append(Section("\n".join(lines), heading=heading, line=start))
            lines = []
        if _DEFINITION.match(line):
            heading = line.strip().rstrip("{:").strip()[:_HEADING_CHARS]
        if not lines:
            start = number
        lines.append(line)
    if lines:
        sections.append(Section("\n".join(lines), heading=heading, line=start))
    return ParsedDocument(path, "code", None, require_text(sections, path))
