"""How every `hearth` command prints its answer: JSON with --json, else the lines for people.

Answers and listings go to stdout; progress, notices and questions go to stderr, so a pipe or
a script reading stdout gets the answer alone. Lines for people pass through `printable`: model
names, template messages and file names come from files, and must not drive the terminal
(JSON escapes control characters itself).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from desktop.text import printable


def emit(args: argparse.Namespace, data: Any, lines: list[str]) -> int:
    """Print `data` as JSON when the command was given --json, otherwise `lines`; exit status 0."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=str))
    elif lines:
        print("\n".join(printable(line) for line in lines))
    return 0


def notice(text: object) -> None:
    """One line on stderr (a note, a warning, progress), with control characters removed."""
    print(printable(text), file=sys.stderr, flush=True)
