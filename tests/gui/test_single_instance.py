"""Starting Hearth twice brings the running window forward instead of opening a second one."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.ui.single_instance import SingleInstance


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
