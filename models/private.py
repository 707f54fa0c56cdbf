"""Files and folders private to the user, whatever the umask: folders 0700, files 0600.

Everything Hearth creates (the data folder, models, partial downloads, manifests, settings, logs)
names what the user runs and reads, so nobody else on the machine may list or read it. Creating
with a mode is not enough on its own: the mode passes through the umask, which may take away
more than group and other bits, so each created folder and file is chmod-ed afterwards too.

`write_private` replaces a file atomically (a private temporary file in the same folder, then
a rename); when writing fails (a read-only folder, a full disk) the temporary file is removed,
so nothing is left behind, and the error goes to the caller.

The model layer's bottom (it imports nothing of Hearth); the app uses it too.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Any

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """`mkdir -p` where every folder created is 0700 (folders that already exist are left as they are)."""
    missing: list[Path] = []
    current = path
    while not os.path.lexists(current):
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # created meanwhile by another thread or process
        _chmod(folder, FOLDER_MODE)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    return path


def open_private(path: Path, mode: str = "wb", **kwargs: Any) -> IO[Any]:
    """`open(path, mode)` for writing ("wb", "ab", "a+b", "w"...), creating the file 0600."""
    flags = os.O_CREAT | getattr(os, "O_BINARY", 0)
    flags |= os.O_RDWR if "+" in mode else os.O_WRONLY
    flags |= os.O_APPEND if "a" in mode else os.O_TRUNC if "w" in mode else 0
    descriptor = os.open(path, flags, FILE_MODE)
    try:
        _chmod(path, FILE_MODE)
        return os.fdopen(descriptor, mode, **kwargs)
    except BaseException:
        os.close(descriptor)
        raise


def write_private(path: Path, data: str | bytes) -> None:
    """Replace `path` with `data` atomically, 0600; no temporary file survives a failure."""
    private_folder(path.parent)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        _chmod(Path(temporary), FILE_MODE)  # mkstemp makes 0600 already; said once more for clarity
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _chmod(path: Path, mode: int) -> None:
    # On Windows chmod only sets the read-only flag; the user's profile folders are private there.
    with contextlib.suppress(NotImplementedError):
        os.chmod(path, mode)
