"""Everything Hearth creates is private whatever the umask (folders 0700, files 0600), and a write
that fails (a read-only folder, a full disk) leaves the old file and no temporary file behind."""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.logs import configure_file_logging
from desktop.paths import AppPaths
from desktop.settings import AppSettings, SettingsFile
from models import private
from models.fit import FitCorrections
from models.private import open_private, private_folder, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # what most systems use: 0755 folders, 0644 files
    try:
        yield
    finally:
        os.umask(previous)


def test_created_folders_and_files_are_private(tmp_path: Path) -> None:
    folder = private_folder(tmp_path / "a" / "b" / "c")
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", folder)] == [0o700] * 3
    write_private(folder / "data.json", "{}")
    with open_private(folder / "file.part", "ab") as handle:
        handle.write(b"x")
    assert mode(folder / "data.json") == mode(folder / "file.part") == 0o600


def test_the_data_folder_settings_logs_and_corrections_are_private(tmp_path: Path) -> None:
    paths = AppPaths.default().create()
    for folder in (paths.data, paths.config, paths.cache, paths.logs, paths.models):
        assert mode(folder) == 0o700, folder
    SettingsFile(paths.settings_file).save(AppSettings())
    FitCorrections(paths.fit_corrections).record("tiny.gguf:1", 100, 110, 512)
    log = configure_file_logging(paths.logs)
    try:
        assert log is not None
        for path in (paths.settings_file, paths.fit_corrections, log):
            assert mode(path) == 0o600, path
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "baseFilename", None) == str(log):
                logging.getLogger().removeHandler(handler)
                handler.close()


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "settings.json"
    write_private(target, "old")

    def disk_full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(private.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_private(target, "new")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]
    with pytest.raises(OSError):
        SettingsFile(target).save(AppSettings(font_size=20))
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_a_correction_that_cannot_be_saved_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def read_only(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(private.tempfile, "mkstemp", read_only)
    with caplog.at_level(logging.WARNING):
        FitCorrections(tmp_path / "fit_corrections.json").record("tiny.gguf:1", 100, 110, 512)
    assert "Could not save the memory correction" in caplog.text
    assert list(tmp_path.iterdir()) == []
