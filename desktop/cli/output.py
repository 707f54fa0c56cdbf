"""How every `hearth` command prints its answer: JSON with --json, else the lines for people.

Answers and listings go to stdout; progress, notices and questions go to stderr, so a pipe or
a script reading stdout gets the answer alone.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def emit(args: argparse.Namespace, data: Any, lines: list[str]) -> int:
    """Print `data` as JSON when the command was given --json, otherwise `lines`; exit status 0."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=str))
    elif lines:
        print("\n".join(lines))
    return 0
