"""What a document may cost: bytes read, bytes inflated, seconds spent; and stopping at once.

A hostile or merely huge file must not take the indexer's memory or time:

- `read_limited` reads a regular file only (a FIFO blocks forever, `/dev/zero` never ends), in
  chunks, and stops past `MAX_FILE_BYTES` instead of reading 8 GB first and checking after; it
  opens without following a final symbolic link and without blocking, so a file swapped for a
  link or a pipe after the scan is refused rather than followed or waited on;
- a Word file is a zip: `MAX_INFLATED_XML_BYTES` caps what its XML parts say they inflate to
  (zipfile never inflates past the size an entry declares), so a zip bomb is refused unopened;
- `parse_budget` gives one document `PARSE_SECONDS` and a cancel token; parsers call
  `checkpoint()` in their loops (paragraphs, pages, blocks), which raises DocumentTooLargeError
  when the time is up and ParsingStopped as soon as the user cancels (Ctrl+C in `hearth docs add`).
"""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop.documents.errors import DocumentError, DocumentTooLargeError
from models.cancel import CancelToken

# Larger files are almost always data dumps or logs, and would hold the indexer for minutes.
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_INFLATED_XML_BYTES = 64 * 1024 * 1024
PARSE_SECONDS = 30.0
_CHUNK = 1024 * 1024


class ParsingStopped(Exception):
    """The user cancelled while a document was being read; nothing is wrong with the file."""


class _Budget:
    def __init__(self, path: Path, seconds: float, cancel: CancelToken | None) -> None:
        self.path = path
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.cancel = cancel


_active = threading.local()


@contextmanager
def parse_budget(path: Path, cancel: CancelToken | None = None, seconds: float | None = None) -> Iterator[None]:
    previous = getattr(_active, "budget", None)
    _active.budget = _Budget(path, PARSE_SECONDS if seconds is None else seconds, cancel)
    try:
        yield
    finally:
        _active.budget = previous


def checkpoint() -> None:
    """Called by the parsers between paragraphs, pages and blocks."""
    budget: _Budget | None = getattr(_active, "budget", None)
    if budget is None:
        return
    if budget.cancel is not None and budget.cancel.cancelled:
        raise ParsingStopped
    if time.monotonic() > budget.deadline:
        raise DocumentTooLargeError(budget.path, f"reading it takes longer than {budget.seconds:g} seconds")


def too_large(path: Path) -> DocumentTooLargeError:
    return DocumentTooLargeError(path, f"it is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")


def read_limited(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES. Raises DocumentError with the reason."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except IsADirectoryError as exc:
        raise DocumentError(path, "it is a folder") from exc
    except FileNotFoundError as exc:
        raise DocumentError(path, "the file no longer exists") from exc
    except PermissionError as exc:
        raise DocumentError(path, "Hearth is not allowed to read it") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DocumentError(path, "it is a symbolic link") from exc
        raise DocumentError(path, exc.strerror or str(exc)) from exc
    with os.fdopen(descriptor, "rb", buffering=0) as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(path, "it is not a regular file (a pipe, a device or a socket)")
        if info.st_size > MAX_FILE_BYTES:
            raise too_large(path)
        chunks: list[bytes] = []
        total = 0
        try:
            while chunk := handle.read(_CHUNK):
                total += len(chunk)
                if total > MAX_FILE_BYTES:  # the file grew while it was read
                    raise too_large(path)
                chunks.append(chunk)
                checkpoint()
        except OSError as exc:
            raise DocumentError(path, exc.strerror or str(exc)) from exc
    return b"".join(chunks)
