"""Route llama.cpp's log into Python logging, and capture it while a model loads.

llama.cpp explains why a file failed to load only in its log; llama-cpp-python then raises a
bare `ValueError("Failed to load model from file")`. Capturing the log lines written during
the load lets the engine name the real reason. The package's own level table is wrong (it
maps ggml's enum off by one), so the levels are mapped here from ggml.h:
NONE=0, DEBUG=1, INFO=2, WARN=3, ERROR=4, CONT=5.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import llama_cpp

logger = logging.getLogger("llama.cpp")

_LEVELS = {0: logging.DEBUG, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
_CONTINUE = 5

# llama.cpp's log callback is one for the whole process, while models load on several threads
# at once (the chat engine's, the document embedder's): each thread's lines are split and
# captured apart, by the thread that logged them. Re-entrant, and held only briefly: emitting a
# log record can run arbitrary code, including the garbage collector finalizing an old Llama,
# whose teardown logs again.
_lock = threading.RLock()
_partial: dict[int, tuple[int, str]] = {}  # thread -> (level, the unfinished line)
_captures: dict[int, list[list[tuple[int, str]]]] = {}  # thread -> the captures open on it


@llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
def _on_log(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
    message = text.decode("utf-8", errors="replace")
    thread = threading.get_ident()
    with _lock:
        line_level, partial = _partial.pop(thread, (logging.DEBUG, ""))
        if level != _CONTINUE:
            line_level = _LEVELS.get(level, logging.DEBUG)
        *lines, partial = (partial + message).split("\n")
        if partial:
            _partial[thread] = (line_level, partial)
        captures = list(_captures.get(thread, ()))
    for line in lines:
        if line.strip():
            logger.log(line_level, "%s", line.rstrip())
            for capture in captures:
                capture.append((line_level, line.strip()))


_installed = False


def install() -> None:
    """Send llama.cpp's log to the `llama.cpp` logger instead of stderr (idempotent)."""
    global _installed
    with _lock:
        if not _installed:
            llama_cpp.llama_log_set(_on_log, ctypes.c_void_p(0))
            _installed = True


@contextmanager
def capture() -> Iterator[list[tuple[int, str]]]:
    """Collect (level, line) pairs that llama.cpp logs on this thread while the block runs."""
    install()
    lines: list[tuple[int, str]] = []
    thread = threading.get_ident()
    with _lock:
        _captures.setdefault(thread, []).append(lines)
    try:
        yield lines
    finally:
        with _lock:
            open_here = _captures[thread]
            # By identity: two captures with equal lines are still two captures.
            del open_here[next(i for i, c in enumerate(open_here) if c is lines)]
            if not open_here:
                del _captures[thread]


def failure_reason(lines: list[tuple[int, str]]) -> str | None:
    """The most telling line of a failed load: llama.cpp's own "error loading model: ..." line,
    else the last error or warning that says more than "failed to load model"."""
    for _level, line in reversed(lines):
        if "error loading model" in line:
            return line.split(": ", 2)[-1].strip()
    for wanted in (logging.ERROR, logging.WARNING):
        for level, line in reversed(lines):
            reason = line.split(": ", 1)[-1].strip()
            if level >= wanted and "failed to load model" not in reason:
                return reason
    return None
