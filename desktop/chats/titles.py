"""A conversation's automatic title, from its first message."""

from __future__ import annotations

MAX_TITLE_CHARS = 60
DEFAULT_TITLE = "New chat"


def title_from_message(text: str, max_chars: int = MAX_TITLE_CHARS) -> str:
    """The first non-empty line, whitespace collapsed, cut at a word boundary to about `max_chars`."""
    line = next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")
    # A Markdown heading's or quote's markers are formatting, not words of the title.
    line = line.lstrip("#> ").strip()
    if not line:
        return DEFAULT_TITLE
    if len(line) <= max_chars:
        return line
    # One character past the limit: a space there means the word before it fits whole.
    window = line[: max_chars + 1]
    cut = window.rsplit(" ", 1)[0] if " " in window else ""
    # One very long word (a URL, a hash): cut it rather than leave nothing.
    if len(cut) < max_chars // 2:
        cut = line[:max_chars]
    return cut.rstrip(" ,.;:-–—") + "…"
