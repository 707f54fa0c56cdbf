"""Sizes, counts and durations written for people, the same in the window and the terminal."""

from __future__ import annotations


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
