"""With encryption on, no chat or passage text reaches the disk outside the encrypted files: a
unique secret written through the window and `hearth docs add` is found in no file under the
data, config, cache and log folders, the XDG folders Qt may use, and the temp folders."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.logs import configure_file_logging, log_file
from desktop.paths import AppPaths
from desktop.privacy import Privacy

HEARTH = shutil.which("hearth", path=str(Path(sys.executable).parent)) or "hearth"
PASSPHRASE = "correct horse battery staple"
LONG = 60_000


def files_with(needle: bytes, folders: list[Path], since: float | None = None,
               skip: tuple[Path, ...] = ()) -> list[Path]:
    found = []
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            for name in names:
                path = Path(root) / name
                if any(path.is_relative_to(s) for s in skip) or path.is_symlink():
                    continue
                try:
                    if since is not None and path.stat().st_mtime < since:
                        continue
                    if path.stat().st_size < 512 * 2**20 and needle in path.read_bytes():
                        found.append(path)
                except OSError:
                    continue  # another user's file, or gone meanwhile
    return found


@pytest.mark.slow
def test_a_secret_reaches_no_file_but_the_encrypted_ones(qtbot: QtBot, models_dir: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    started = time.time() - 1
    system_temp = Path(tempfile.gettempdir())
    private_temp = tmp_path / "temp"
    for variable in ("TMPDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        folder = tmp_path / variable.lower()
        folder.mkdir()
        monkeypatch.setenv(variable, str(folder))
    monkeypatch.setenv("TMPDIR", str(private_temp))
    private_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)
    secret = f"secret{uuid.uuid4().hex}"
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "diary.md").write_text(f"# Diary\n\nThe safe's code is {secret}.\n" * 20)
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text(PASSPHRASE)

    paths = AppPaths.default().create()
    privacy = Privacy(paths)
    privacy.encrypt(PASSPHRASE)
    configure_file_logging(paths.logs)
    try:
        _write_and_scan(qtbot, paths, privacy, models_dir, notes, secret, passphrase_file, private_temp, tmp_path)
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "baseFilename", None) == str(log_file(paths.logs)):
                logging.getLogger().removeHandler(handler)
                handler.close()
    assert files_with(secret.encode(), [system_temp], since=started, skip=(notes, passphrase_file)) == []


def _write_and_scan(qtbot: QtBot, paths: AppPaths, privacy: Privacy, models_dir: Path, notes: Path, secret: str,
                    passphrase_file: Path, private_temp: Path, tmp_path: Path) -> None:
    from desktop.app import create_window

    window, _ = create_window(paths, privacy)
    qtbot.addWidget(window)
    window.show()
    try:
        with qtbot.waitSignal(window.bridge.model_loaded, timeout=LONG):
            window.load_model(models_dir / "tiny-a.gguf")
        env = {**os.environ, "HEARTH_PASSPHRASE_FILE": str(passphrase_file)}
        added = subprocess.run([HEARTH, "docs", "add", str(notes), "--keyword-only"], capture_output=True, text=True,
                               timeout=180, env=env)
        assert added.returncode == 0, added.stderr
        found = subprocess.run([HEARTH, "docs", "search", secret], capture_output=True, text=True, timeout=180,
                               env=env)
        assert secret in found.stdout
        window.settings_panel.fields["max_tokens"].setValue(4)
        window.composer.input.setPlainText(f"{secret} is the code")
        with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
            window.composer.submit()
        window.add_documents([notes])  # the window's own indexing too
        qtbot.waitUntil(lambda: window.documents_panel.attached_ids != [], timeout=LONG)
        window.controller.search(secret)
        assert window.sidebar.tree.topLevelItemCount() == 1
        folders = [paths.data, paths.config, paths.cache, paths.logs, tmp_path / "xdg_cache_home",
                   tmp_path / "xdg_config_home", tmp_path / "xdg_data_home", tmp_path / "xdg_state_home", private_temp]
        assert files_with(secret.encode(), [notes]) != []  # the scan can find it
        assert files_with(secret.encode(), folders) == []  # while open: the WAL too
    finally:
        window.close()
        window.store.close()
    assert log_file(paths.logs).stat().st_size > 0
    assert files_with(secret.encode(), folders) == []
