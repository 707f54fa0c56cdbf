"""Which process is streaming an answer, so crash recovery only touches answers whose writer died.

A process is named by its pid and start time: a pid alone may have been reused by an unrelated
process since the crash.
"""

from __future__ import annotations

import functools
import os

import psutil

# Start times are read from the OS with sub-second precision; allow for rounding only.
_START_TOLERANCE_S = 0.5


def this_process() -> str:
    # Looked up by pid so that a forked child does not inherit its parent's name.
    return _describe(os.getpid())


@functools.cache
def _describe(pid: int) -> str:
    return f"{pid}:{psutil.Process(pid).create_time():.3f}"


def is_alive(writer: str | None) -> bool:
    if not writer:
        return False
    try:
        pid_text, start_text = writer.split(":", 1)
        pid, start = int(pid_text), float(start_text)
    except ValueError:
        return False
    if writer == this_process():
        return True
    try:
        started = float(psutil.Process(pid).create_time())
    except (psutil.Error, ValueError, OSError):
        # Gone, a zombie, or not ours to inspect: in every case not a Hearth writing this file.
        return False
    return abs(started - start) < _START_TOLERANCE_S
