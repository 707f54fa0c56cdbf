"""Reading documents: each format family in its own module, all returning a ParsedDocument.

`parse(path)` picks the parser by extension, and by the file's first bytes when the extension
says nothing (a PDF saved without ".pdf", a README without any extension). Every failure is a
DocumentError subclass with a plain reason; nothing else escapes for a bad file (parsers
catch their libraries' own exceptions), so the indexer can list the reason and go on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desktop.documents.errors import UnsupportedFormatError
from desktop.documents.parsers.html import parse_html
from desktop.documents.parsers.limits import (
    MAX_FILE_BYTES,
    ParsingStopped,
    checkpoint,
    parse_budget,
    read_limited,
    too_large,
)
from desktop.documents.parsers.markdown import parse_markdown
from desktop.documents.parsers.office import parse_docx
from desktop.documents.parsers.pdf import parse_pdf
from desktop.documents.parsers.text import looks_binary, parse_code, parse_text
from desktop.documents.types import ParsedDocument

Parser = Callable[[Path, bytes], ParsedDocument]


TEXT_SUFFIXES = frozenset({".txt", ".text", ".rst", ".log", ".csv", ".tsv", ".org", ".adoc", ".tex", ".srt", ".vtt"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mdx"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
CODE_SUFFIXES = frozenset(
    {".py", ".pyi", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh",
     ".rs", ".go", ".java", ".kt", ".kts", ".scala", ".swift", ".m", ".mm", ".cs", ".fs", ".rb", ".php", ".pl", ".lua",
     ".r", ".jl", ".dart", ".ex", ".exs", ".erl", ".hs", ".ml", ".clj", ".sh", ".bash", ".zsh", ".fish", ".ps1",
     ".sql", ".toml", ".yaml", ".yml", ".json", ".ini", ".cfg", ".conf", ".xml", ".css", ".scss", ".vue", ".svelte",
     ".proto", ".graphql", ".cmake", ".mk", ".gradle", ".nix", ".zig", ".v", ".vhd", ".asm", ".s", ".bat"}
)
# Extensionless files that are text by convention.
CODE_NAMES = frozenset({"makefile", "dockerfile", "rakefile", "gemfile", "justfile", "cmakelists.txt"})
_LEGACY_OFFICE = {".doc": "old Word .doc files are not supported; save it as .docx",
                  ".xls": "spreadsheets are not supported", ".xlsx": "spreadsheets are not supported",
                  ".ppt": "presentations are not supported", ".pptx": "presentations are not supported",
                  ".odt": "OpenDocument files are not supported; save it as .docx",
                  ".rtf": "RTF files are not supported; save it as .docx or plain text"}

_BY_SUFFIX: dict[str, Parser] = {".pdf": parse_pdf, ".docx": parse_docx}
_BY_SUFFIX.update({s: parse_text for s in TEXT_SUFFIXES})
_BY_SUFFIX.update({s: parse_markdown for s in MARKDOWN_SUFFIXES})
_BY_SUFFIX.update({s: parse_html for s in HTML_SUFFIXES})
_BY_SUFFIX.update({s: parse_code for s in CODE_SUFFIXES})

SUPPORTED_SUFFIXES = frozenset(_BY_SUFFIX)


def is_supported_name(path: Path) -> bool:
    """Whether a file found in a folder is worth reading, by its name alone."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES or path.name.lower() in CODE_NAMES


def parser_for(path: Path, head: bytes) -> Parser:
    """The parser for a file, by extension, else by its first bytes. Raises UnsupportedFormatError."""
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix in _LEGACY_OFFICE:
        raise UnsupportedFormatError(path, _LEGACY_OFFICE[suffix])
    if path.name.lower() in CODE_NAMES:
        return parse_code
    if head.startswith(b"%PDF"):
        return parse_pdf
    if head.startswith(b"PK\x03\x04"):
        raise UnsupportedFormatError(path, "it is a zip archive (only .docx files of that kind are read)")
    if head.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        return parse_html
    if looks_binary(head):
        raise UnsupportedFormatError(path, "it is not a text file nor a document format Hearth reads")
    return parse_text


def read_document(path: Path, data: bytes) -> ParsedDocument:
    """Parse bytes already read from `path` (the indexer hashes the same bytes). Within a
    `parse_budget`, a parser that runs out of time raises DocumentTooLargeError, and one the
    user cancels raises ParsingStopped."""
    if len(data) > MAX_FILE_BYTES:
        raise too_large(path)
    return parser_for(path, data[:1024])(path, data)


def parse(path: str | Path) -> ParsedDocument:
    """Read and parse one file, within the time budget. Raises a DocumentError subclass with a plain reason."""
    path = Path(path)
    with parse_budget(path):
        return read_document(path, read_limited(path))


__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "ParsingStopped",
    "checkpoint",
    "is_supported_name",
    "parse",
    "parse_budget",
    "parser_for",
    "read_document",
    "read_limited",
]
