"""Moving the data folder: requested while running, carried out at the next start."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.data_location import DataMoveError, apply_pending_move, request_move
from desktop.paths import AppPaths


@pytest.fixture
def platform_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    monkeypatch.delenv("HEARTH_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    paths = AppPaths.default().create()
    (paths.models / "a.gguf").write_bytes(b"GGUF" + b"x" * 1000)
    (paths.data / "chats.sqlite3").write_bytes(b"chats")
    return paths


def test_move_carries_everything_and_the_next_start_uses_it(platform_dirs: AppPaths, tmp_path: Path) -> None:
    assert platform_dirs.movable
    target = tmp_path / "elsewhere" / "Hearth"
    assert request_move(platform_dirs.config, platform_dirs.data, target) == 1009
    assert AppPaths.default().data == platform_dirs.data  # nothing moves while Hearth runs
    seen: list[int] = []
    assert apply_pending_move(platform_dirs.config, lambda done, total: seen.append(done)) == target
    moved = AppPaths.default()
    assert moved.data == target
    assert (moved.models / "a.gguf").read_bytes().startswith(b"GGUF")
    assert (moved.data / "chats.sqlite3").read_bytes() == b"chats"
    assert not platform_dirs.data.exists()
    assert seen[-1] == 1009
    assert apply_pending_move(moved.config) is None  # done once


def test_refuses_folders_that_would_lose_or_mix_data(platform_dirs: AppPaths, tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "someone-elses.txt").write_text("x")
    with pytest.raises(DataMoveError, match="not empty"):
        request_move(platform_dirs.config, platform_dirs.data, busy)
    with pytest.raises(DataMoveError, match="outside the current data folder"):
        request_move(platform_dirs.config, platform_dirs.data, platform_dirs.data / "inner")


def test_a_failed_copy_keeps_the_old_folder(platform_dirs: AppPaths, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "new"
    request_move(platform_dirs.config, platform_dirs.data, target)

    def broken_copy(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("shutil.copy2", broken_copy)
    with pytest.raises(DataMoveError, match="disk full"):
        apply_pending_move(platform_dirs.config)
    assert AppPaths.default().data == platform_dirs.data
    assert (platform_dirs.models / "a.gguf").exists() and not target.exists()


def test_hearth_home_pins_the_folder(hearth_home: Path) -> None:
    assert not AppPaths.default().movable
