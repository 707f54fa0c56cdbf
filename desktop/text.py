"""Sizes, counts and durations written for people, the same in the window and the terminal, and
`printable` for any text a model file (or a document) supplies."""

from __future__ import annotations

import re


def size_text(n: float) -> str:
    """Bytes in decimal units, as file managers show them: "4.9 GB", "812 B"."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def params_text(n: int | None) -> str:
    """A parameter count as model names give it: "1.5B", "135M"; "?" when unknown."""
    if not n:
        return "?"
    if n >= 1e9:
        return f"{n / 1e9:.1f}B"
    return f"{n / 1e6:.0f}M" if n >= 1e6 else f"{n / 1e3:.0f}K"


def duration_text(seconds: float | None) -> str:
    """"1 h 02 min", "3 min 05 s", "42 s"; "—" when unknown."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


# Control characters (C0 but tab and newline, DEL, C1) and the invisible bidirectional controls
# that reorder what a reader sees: a model file's name or template message may carry them.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]+")


def printable(text: object, *, one_line: bool = False) -> str:
    """Text safe to print to a terminal or show in the window: escape sequences (`ESC]0;…`,
    `ESC[2J`), bells and other control characters removed, so a model's metadata can neither
    drive the terminal nor disguise itself. `one_line` also turns line breaks into spaces (for
    a name inside a line of output). A name that is not valid UTF-8 shows its odd bytes as `\xff`."""
    value = str(text)
    try:  # a file name that is not UTF-8 (b'\xff.txt') shows its bytes as \xff, and prints
        value.encode("utf-8")
    except UnicodeEncodeError:
        try:
            value = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a lone surrogate that no file name decoding made
            value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    if one_line:
        value = _LINE_BREAKS.sub(" ", value)
    return _UNPRINTABLE.sub("", value)
