"""Starting Hearth twice brings the running window forward instead of opening a second one; the
socket that does it is this user's own (a private folder, the peer's user id checked)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalServer
from pytestqt.qtbot import QtBot

from desktop.instance_socket import server_name
from desktop.ui import single_instance
from desktop.ui.single_instance import SingleInstance


@pytest.fixture(autouse=True)
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder


def test_a_second_start_activates_the_first(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path / "data")
    assert not first.activate_running()  # nobody is running yet
    first.listen()
    second = SingleInstance(tmp_path / "data")
    with qtbot.waitSignal(first.activation_requested, timeout=5000):
        assert second.activate_running()
    first.close()
    assert not SingleInstance(tmp_path / "data").activate_running()


def test_another_data_folder_is_another_instance(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path / "one")
    first.listen()
    try:
        assert not SingleInstance(tmp_path / "two").activate_running()
    finally:
        first.close()


def test_the_socket_lives_in_a_folder_only_this_user_can_enter(runtime_dir: Path, tmp_path: Path) -> None:
    name = Path(SingleInstance(tmp_path / "data").name)
    assert name.parent == runtime_dir / "Hearth"
    info = os.lstat(name.parent)
    assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.getuid()


def test_a_socket_squatted_in_tmp_is_not_taken_for_hearth(qtbot: QtBot, tmp_path: Path) -> None:
    # Where the socket used to be: anyone could listen there first and answer "already running".
    squatter = QLocalServer()
    legacy = Path(server_name(tmp_path / "data")).name
    assert squatter.listen(str(Path(QDir.tempPath()) / legacy))
    try:
        instance = SingleInstance(tmp_path / "data")
        assert not instance.activate_running()
        instance.listen()
        instance.close()
    finally:
        squatter.close()


def test_a_shared_or_foreign_folder_is_not_trusted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shared = tmp_path / "shared-run"
    shared.mkdir()
    os.chmod(shared, 0o777)  # a runtime folder others can write to
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))
    fallback = tmp_path / "tmp"
    fallback.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(fallback))
    (fallback / f"hearth-{os.getuid()}").mkdir(mode=0o777)
    os.chmod(fallback / f"hearth-{os.getuid()}", 0o777)  # planted, open to everyone
    instance = SingleInstance(tmp_path / "data")
    assert instance.name == ""  # no trusted place: Hearth opens without the check
    assert not instance.activate_running()


def test_another_users_peer_is_neither_asked_nor_obeyed(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = SingleInstance(tmp_path / "data")
    first.listen()
    try:
        monkeypatch.setattr(single_instance, "same_user", lambda _descriptor: False)
        with qtbot.assertNotEmitted(first.activation_requested, wait=300):
            assert not SingleInstance(tmp_path / "data").activate_running()
    finally:
        first.close()


def test_hearth_privacy_lock_reaches_the_running_window(qtbot: QtBot, tmp_path: Path) -> None:
    from desktop.ui.single_instance import is_running, request_lock

    assert not request_lock(tmp_path / "data") and not is_running(tmp_path / "data")
    running = SingleInstance(tmp_path / "data")
    running.listen()
    try:
        with qtbot.waitSignal(running.lock_requested, timeout=5000):
            assert request_lock(tmp_path / "data")
        assert is_running(tmp_path / "data")
    finally:
        running.close()
