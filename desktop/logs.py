"""Where Hearth writes its log: a rotated file in the platform's log folder, never chat text.

The window logs to `<logs>/hearth.log` (1 MB, five old files kept). Messages carry what happened
and to which model or file; conversation and document text is never logged. A fatal signal
(a crash inside llama.cpp) writes every thread's stack there too, from the window and from
`hearth chat` alike (`log_native_crashes`).
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import logging.handlers
import os
import re
import time
from pathlib import Path
from typing import IO, Any

from models.private import open_private, private_folder

LOG_NAME = "hearth.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
_STARTED = "Hearth process {pid} started; the stack of a fatal error follows here if it crashes"
_FATAL = re.compile(r"Fatal Python error: ([^\n]+)")
_native_log: IO[Any] | None = None  # the file faulthandler writes into


def log_file(logs_dir: Path) -> Path:
    return logs_dir / LOG_NAME


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every log file it opens, the first and each one after a rotation, is 0600."""

    def _open(self) -> Any:
        return open_private(Path(self.baseFilename), "a", encoding=self.encoding, errors=self.errors)


def configure_file_logging(logs_dir: Path, level: int = logging.INFO) -> Path | None:
    """Log to the rotated file (idempotent); llama.cpp's chatter only from warnings up.
    Returns None, and logs nowhere but the terminal, when the log folder cannot be written."""
    path = log_file(logs_dir)
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        try:
            private_folder(logs_dir)
            handler = PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        except OSError as exc:
            logging.getLogger(__name__).warning("Cannot write the log file %s: %s", path, exc)
            return None
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    logging.getLogger("llama.cpp").setLevel(logging.WARNING)
    return path


def log_native_crashes(logs_dir: Path) -> Path | None:
    """From now on a fatal signal (SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE) writes every
    thread's stack into the log file before the process dies. When the log cannot be written
    (a full disk, a read-only data folder) the stack goes to stderr instead and None is
    returned: a crash log is never a reason not to answer.

    faulthandler writes to a file descriptor of its own, opened for appending: the logging
    handler's stream is replaced when the log rotates, and a descriptor closed under
    faulthandler could be reused by a database file. After a rotation the stack lands in the
    file that holds this process's start line (`fatal_error` finds it there)."""
    global _native_log
    path = log_file(logs_dir)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    handle: IO[Any] | None = None
    try:
        private_folder(logs_dir)
        handle = open_private(path, "a", encoding="utf-8")  # kept open for faulthandler, on purpose
        handle.write(f"{stamp} INFO MainThread {__name__}: {_STARTED.format(pid=os.getpid())}\n")
        handle.flush()
    except OSError as exc:
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()
        with contextlib.suppress(OSError):
            if path.stat().st_size == 0:
                path.unlink()  # opened but never written: leave nothing behind on a full disk
        logging.getLogger(__name__).warning("Cannot log crashes to %s (%s); they go to stderr", path, exc)
        faulthandler.enable(all_threads=True)
        return None
    faulthandler.enable(file=handle, all_threads=True)
    previous, _native_log = _native_log, handle
    if previous is not None:
        previous.close()
    return path


def fatal_error(logs_dir: Path, pid: int) -> str | None:
    """What killed process `pid`, as faulthandler logged it ("Segmentation fault"), or None."""
    start = _STARTED.format(pid=pid)
    for path in sorted(logs_dir.glob(f"{LOG_NAME}*")):  # hearth.log, then hearth.log.1...
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        at = text.rfind(start)
        if at >= 0:
            match = _FATAL.search(text, at)
            return match.group(1).strip() if match else None
    return None
