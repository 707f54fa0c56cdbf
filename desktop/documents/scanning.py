"""Finding the files under what the user added: a file is taken as it is; a folder is walked.

Inside folders only files Hearth reads are taken (by extension, plus well-known names such as
Makefile); the rest are reported as skipped, never as failures: a photo in a folder of notes is
not an error. Hidden files and folders, version-control and dependency folders are left out,
and symbolic links to folders are not followed (they can loop, and they lead out of the
folder the user chose). A file the user added by name is always tried: if it cannot be read,
the user hears why.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.documents.parsers import MAX_FILE_BYTES, is_supported_name
from desktop.documents.types import FileResult

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


def scan(roots: Iterable[Path]) -> ScanResult:
    result = ScanResult()
    seen: set[Path] = set()
    for root in roots:
        try:
            is_dir = root.is_dir()
            exists = is_dir or root.is_file()
        except OSError:
            exists = is_dir = False
        if not exists:
            result.missing.append(root)
        elif is_dir:
            _walk(root, result, seen)
        else:
            _take(root, result, seen, explicit=True)
    return result


def _walk(folder: Path, result: ScanResult, seen: set[Path]) -> None:
    for current, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d.lower() not in SKIPPED_FOLDERS)
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(current) / name
            if not is_supported_name(path):
                result.skipped.append(FileResult(path, "skipped", reason="not a kind of file Hearth reads"))
                continue
            _take(path, result, seen, explicit=False)


def _take(path: Path, result: ScanResult, seen: set[Path], explicit: bool) -> None:
    if path in seen:
        return
    seen.add(path)
    try:
        stat = path.stat()
    except OSError:
        result.missing.append(path)
        return
    if not explicit and stat.st_size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        result.skipped.append(FileResult(path, "skipped", reason=f"larger than {limit} MB"))
        return
    result.files.append(FoundFile(path, stat.st_size, stat.st_mtime_ns))
