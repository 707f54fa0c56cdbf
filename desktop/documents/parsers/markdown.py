"""Markdown: one section per heading, headed by the path of headings above it ("Install › Linux").

ATX (`## Title`) and setext (`Title` over `===` or `---`) headings count; lines inside fenced
code blocks never do (a `# comment` in a shell snippet is not a heading). The document's first
level-1 heading is its title. Markup stays in the text: the model reads Markdown well, and
keyword search finds words with or without it.
"""

from __future__ import annotations

import re
from pathlib import Path

from desktop.documents.parsers.text import decode_text, require_text
from desktop.documents.types import ParsedDocument, Section

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
SEPARATOR = " › "


def heading_path(stack: list[tuple[int, str]]) -> str | None:
    return SEPARATOR.join(title for _level, title in stack) or None


def _push(stack: list[tuple[int, str]], level: int, title: str) -> None:
    while stack and stack[-1][0] >= level:
        stack.pop()
    stack.append((level, title))


def parse_markdown(path: Path, data: bytes) -> ParsedDocument:
    lines = decode_text(data, path).split("\n")
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    title: str | None = None
    body: list[str] = []
    start = 1
    fence: str | None = None

    def flush(next_start: int) -> None:
        nonlocal body, start
        if any(line.strip() for line in body):
            leading = next(i for i, line in enumerate(body) if line.strip())
            text = "\n".join(body[leading:]).rstrip()
            sections.append(Section(text, heading=heading_path(stack), line=start + leading))
        body, start = [], next_start

    index = 0
    while index < len(lines):
        line, number = lines[index], index + 1
        if fence is None and (opened := _FENCE.match(line)):
            fence = opened.group(1)[0] * 3
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            atx = _ATX.match(line)
            following = lines[index + 1] if index + 1 < len(lines) else ""
            setext = line.strip() and not body_is_list(line) and _SETEXT.match(following)
            if atx or setext:
                level = len(atx.group(1)) if atx else (1 if following.strip().startswith("=") else 2)
                text = (atx.group(2) if atx else line).strip()
                flush(number)
                _push(stack, level, text)
                if level == 1 and title is None:
                    title = text
                index += 1 if atx else 2
                continue
        if not body:
            start = number
        body.append(line)
        index += 1
    flush(len(lines) + 1)
    return ParsedDocument(path, "markdown", title, require_text(sections, path))


def body_is_list(line: str) -> bool:
    """A list item or a table row above `---` is not a setext heading (the `---` is a rule)."""
    stripped = line.lstrip()
    return stripped.startswith(("- ", "* ", "+ ", "|", ">")) or bool(re.match(r"\d+[.)] ", stripped))
