"""What keyword search indexes besides a chunk's heading and text: its file's title, in words.

A chunk under "Installing on Linux" in "pdb — The Python Debugger" is about those, whatever
its own text repeats; and the file name is the only title a `.txt` file or a title-less PDF
has, so it joins the title in words ("release_notes-2024.md" -> "release notes 2024").
desktop/documents/keyword.py weighs this column above the text.
"""

from __future__ import annotations

import re
from pathlib import Path

_NAME_SEPARATORS = re.compile(r"[-_.]+")
# A word boundary inside a name: "releaseNotes", "HTTPServer", "v2Notes".
_CASE_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def name_words(path: Path | str) -> str:
    """A file name's stem as words: separators and case changes become spaces."""
    stem = _NAME_SEPARATORS.sub(" ", Path(path).stem)
    return " ".join(_CASE_BOUNDARY.sub(" ", stem).split())


def search_title(path: Path | str, title: str | None) -> str:
    """The title column of a file's chunks: its title and its file name in words, the name left
    out when the title already holds it ("pdb — The Python Debugger pdb" says nothing more)."""
    words = name_words(path)
    if not title:
        return words
    return title if words.lower() in title.lower() else f"{title} {words}"
