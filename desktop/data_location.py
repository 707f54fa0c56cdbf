"""Moving Hearth's data folder (models, chats, documents) somewhere else.

The folder in use is recorded in `location.json` in the config folder (which does not move).
A move is requested while Hearth runs and carried out at the next start, before anything opens
a file in the folder: copy everything, check the copy, switch the pointer, then delete the old
folder. If anything fails, the copy is removed and the old folder stays in use.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from desktop.errors import HearthError
from models.private import FOLDER_MODE, private_folder, write_private

log = logging.getLogger(__name__)
POINTER = "location.json"
Progress = Callable[[int, int], None]  # bytes copied, bytes in all


class DataMoveError(HearthError):
    """The data folder could not be moved; the old one stays in use."""


def pointer_path(config_dir: Path) -> Path:
    return config_dir / POINTER


def read_pointer(config_dir: Path) -> dict[str, str]:
    try:
        data = json.loads(pointer_path(config_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def _write_pointer(config_dir: Path, data: dict[str, str]) -> None:
    write_private(pointer_path(config_dir), json.dumps(data, indent=2))


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def request_move(config_dir: Path, current: Path, target: Path) -> int:
    """Check the target and record the move for the next start; returns the bytes to move."""
    target = target.expanduser().resolve()
    current = current.resolve()
    if target == current or current in target.parents:
        raise DataMoveError("Choose a folder outside the current data folder.")
    if target.exists() and any(target.iterdir()):
        raise DataMoveError(f"{target} is not empty; choose an empty or new folder.")
    probe = target if target.exists() else next(p for p in target.parents if p.exists())
    if not os.access(probe, os.W_OK):
        raise DataMoveError(f"Hearth cannot write to {probe}.")
    needed = folder_size(current) if current.exists() else 0
    free = shutil.disk_usage(probe).free
    if needed > free:
        raise DataMoveError(f"{target} has {free / 2**30:.1f} GiB free; the data needs {needed / 2**30:.1f} GiB.")
    _write_pointer(config_dir, {"data": str(current), "move_to": str(target)})
    return needed


def pending_move(config_dir: Path) -> tuple[Path, Path] | None:
    pointer = read_pointer(config_dir)
    if "move_to" in pointer and "data" in pointer:
        return Path(pointer["data"]), Path(pointer["move_to"])
    return None


def apply_pending_move(config_dir: Path, progress: Progress = lambda _done, _total: None) -> Path | None:
    """Carry out a requested move; returns the new folder, or None when there was none.
    Raises DataMoveError (the pointer then goes back to the old folder)."""
    move = pending_move(config_dir)
    if move is None:
        return None
    source, target = move
    total = folder_size(source) if source.exists() else 0
    copied = 0

    def copy(src: str, dst: str) -> object:
        nonlocal copied
        result = shutil.copy2(src, dst)
        copied += os.path.getsize(dst)
        progress(copied, total)
        return result

    try:
        private_folder(target)
        if source.exists():
            shutil.copytree(source, target, copy_function=copy, symlinks=True, dirs_exist_ok=True)
            os.chmod(target, FOLDER_MODE)  # copytree gives the root the old folder's mode
        if folder_size(target) != total:
            raise OSError("the copy is incomplete")
    except OSError as exc:
        shutil.rmtree(target, ignore_errors=True)
        _write_pointer(config_dir, {"data": str(source)})
        raise DataMoveError(f"Moving the data to {target} failed ({exc}); it stays in {source}.") from exc
    _write_pointer(config_dir, {"data": str(target)})
    shutil.rmtree(source, ignore_errors=True)
    log.info("Moved the data folder from %s to %s (%d bytes)", source, target, total)
    return target
