"""Finding the files under what the user added: a file is taken as it is; a folder is walked.

Inside folders only files Hearth reads are taken (by extension, plus well-known names such as
Makefile); the rest are reported as skipped, never as failures: a photo in a folder of notes is
not an error. Hidden files and folders, version-control and dependency folders are left out,
and symbolic links are not followed, to folders (they can loop) nor to files (`notes/leak.txt`
-> `~/.ssh/id_ed25519` would put a key in the index): they lead out of the folder the user chose.
A link the user added by name is theirs, and is followed (`normalise_root` resolves it).

Only regular files are read: a FIFO would block the reader forever and `/dev/zero` never ends,
so they, devices and sockets are skipped with the reason, whether found in a folder or added by
name; so is any file over the size limit, before a byte of it is read. A file whose name is not
valid UTF-8 (`b'\xff.txt'`) cannot be stored in the index: it is listed as failed with that
reason and the others index on.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.documents.parsers import MAX_FILE_BYTES, is_supported_name
from desktop.documents.types import FileOutcome, FileResult
from models.cancel import CancelToken

# Folders that hold generated or third-party files, not the user's documents.
SKIPPED_FOLDERS = frozenset(
    {"node_modules", "__pycache__", "site-packages", "venv", ".venv", "build", "dist", "target", "out"}
)


@dataclass(frozen=True)
class FoundFile:
    path: Path
    size: int
    mtime_ns: int


@dataclass
class ScanResult:
    files: list[FoundFile] = field(default_factory=list)
    skipped: list[FileResult] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)  # roots that are no longer there


def normalise_root(path: str | Path) -> Path:
    """Absolute, with `~` expanded and symbolic links resolved: one file has one path in the index."""
    return Path(os.path.abspath(Path(path).expanduser())).resolve()


def is_under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def scan(roots: Iterable[Path], cancel: CancelToken | None = None) -> ScanResult:
    """What is under `roots`; a cancel stops the walk at the next folder (the result is then partial)."""
    result = ScanResult()
    seen: set[Path] = set()
    for root in roots:
        try:
            is_dir = root.is_dir()
            exists = is_dir or root.exists()
        except OSError:
            exists = is_dir = False
        if not exists:
            result.missing.append(root)
        elif is_dir:
            _walk(root, result, seen, cancel)
        else:
            _take(root, result, seen, explicit=True)
    return result


def _walk(folder: Path, result: ScanResult, seen: set[Path], cancel: CancelToken | None) -> None:
    for current, dirs, files in os.walk(folder, followlinks=False):
        if cancel is not None and cancel.cancelled:
            return
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d.lower() not in SKIPPED_FOLDERS)
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(current) / name
            if not is_supported_name(path):
                result.skipped.append(FileResult(path, "skipped", reason="not a kind of file Hearth reads"))
                continue
            if path.is_symlink():
                result.skipped.append(FileResult(path, "skipped", reason=SYMLINK_REASON))
                continue
            _take(path, result, seen, explicit=False)


SYMLINK_REASON = "a symbolic link, which leads out of the folder (add the file it points to by name to index it)"
NOT_REGULAR_REASON = "not a regular file (a pipe, a device or a socket)"
NOT_UTF8_REASON = "its name is not valid UTF-8 text; rename it to index it"


def _take(path: Path, result: ScanResult, seen: set[Path], explicit: bool) -> None:
    if path in seen:
        return
    seen.add(path)
    if not storable_name(path):
        result.skipped.append(FileResult(path, "failed", reason=NOT_UTF8_REASON))
        return
    try:
        info = path.stat()
    except OSError:
        result.missing.append(path)
        return
    # A file the user named is reported as failed (they asked for it); one found in a folder, skipped.
    outcome: FileOutcome = "failed" if explicit else "skipped"
    if not stat.S_ISREG(info.st_mode):
        result.skipped.append(FileResult(path, outcome, reason=NOT_REGULAR_REASON))
        return
    if info.st_size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        result.skipped.append(FileResult(path, outcome, reason=f"larger than {limit} MB"))
        return
    result.files.append(FoundFile(path, info.st_size, info.st_mtime_ns))


def storable_name(path: Path) -> bool:
    """Whether a path is text the index can store: file names are bytes on Linux, and Python
    carries undecodable ones as lone surrogates, which SQLite refuses."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
