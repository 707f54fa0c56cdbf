"""Where Hearth writes its log: a rotated file in the platform's log folder, never chat text.

The window logs to `<logs>/hearth.log` (1 MB, five old files kept). Messages carry what happened
and to which model or file; conversation and document text is never logged.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path
from typing import Any

from models.private import open_private, private_folder

LOG_NAME = "hearth.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


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
