"""Where Hearth writes its log: a rotated file in the platform's log folder, never chat text.

The window logs to `<logs>/hearth.log` (1 MB, five old files kept). Messages carry what happened
and to which model or file; conversation and document text is never logged.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

LOG_NAME = "hearth.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def log_file(logs_dir: Path) -> Path:
    return logs_dir / LOG_NAME


def configure_file_logging(logs_dir: Path, level: int = logging.INFO) -> Path:
    """Log to the rotated file (idempotent); llama.cpp's chatter only from warnings up."""
    logs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = log_file(logs_dir)
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                       encoding="utf-8")
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
        os.chmod(path, 0o600)
    root.setLevel(min(root.level or level, level))
    logging.getLogger("llama.cpp").setLevel(logging.WARNING)
    return path
