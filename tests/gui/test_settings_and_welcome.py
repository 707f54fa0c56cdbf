"""The settings window and the first-run welcome, on the real window."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.diagnostics import diagnostics
from desktop.ui.main_window import MainWindow
from models.engine import kernel_choice
from models.errors import HubOfflineError
from models.hub import HubClient

LONG = 30_000


def test_settings_are_saved_and_applied(window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE")
    dialog = window.open_settings()
    dialog.threads.setValue(1)
    dialog.offload.setCurrentIndex(dialog.offload.findData("none"))
    dialog.context.setValue(1024)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.font_size.setValue(14)
    dialog.offline.setChecked(True)
    with qtbot.waitSignal(window.bridge.model_loaded, timeout=LONG) as loaded:
        dialog.accept()
    info = loaded.args[0]
    assert (info.threads, info.gpu_layers, info.context_length) == (1, 0, 1024)  # reloaded with them
    saved = window.settings_file_settings()
    assert (saved.threads, saved.gpu_offload, saved.context_length, saved.theme, saved.font_size, saved.offline) == (
        1, "none", 1024, "dark", 14, True)
    assert window.theme.dark and window.theme.font_size == 14
    assert os.environ.get("HF_HUB_OFFLINE") == "ON"
    with pytest.raises(HubOfflineError, match="offline mode is on"):
        HubClient().search("llama")


def test_turning_offline_mode_off_restores_hub_access(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE")
    window.apply_settings(window.settings.with_changes(offline=True))
    assert os.environ.get("HF_HUB_OFFLINE") == "ON"
    window.apply_settings(window.settings.with_changes(offline=False))
    assert "HF_HUB_OFFLINE" not in os.environ
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the user's own setting is never undone
    window.apply_settings(window.settings.with_changes(offline=False))
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_settings_show_the_backend_and_pin_the_data_folder_under_hearth_home(window: MainWindow) -> None:
    dialog = window.open_settings()
    assert "CPU only" in dialog.backend.text() or "GiB" in dialog.backend.text()
    assert not dialog.move_button.isEnabled()  # HEARTH_HOME fixes the folder
    assert dialog.data_folder.text() == str(window.paths.data)
    dialog.reject()


def test_welcome_offers_the_starter_and_a_model_sized_for_this_machine(window: MainWindow, qtbot: QtBot) -> None:
    assert not window.settings.first_run_done
    assert not window.view.placeholder.isHidden()
    dialog = window.show_welcome()
    assert "never sent anywhere" in dialog.findChild(QLabel, "welcomePromise").text()
    assert window.view.placeholder.isHidden()  # the welcome says it, over the empty state
    assert dialog.recommendation is not None  # a CI machine has memory for at least a small model
    assert dialog.download_button is not None and dialog.recommendation.entry.name in dialog.download_button.text()
    assert "GB download" in dialog.download_button.description()
    with qtbot.waitSignal(dialog.starter_chosen):
        dialog.starter_button.click()
    assert window.settings_file_settings().first_run_done
    assert not window.view.placeholder.isHidden()


def test_welcome_download_choice_is_refused_offline(window: MainWindow, qtbot: QtBot) -> None:
    dialog = window.show_welcome()  # the tests run with HF_HUB_OFFLINE=1
    assert dialog.download_button is not None and not dialog.download_button.isEnabled()
    assert "Offline mode" in dialog.download_button.toolTip()
    dialog.reject()


def test_welcome_download_opens_the_model_manager_on_it(window: MainWindow, qtbot: QtBot,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    dialog = window.show_welcome()
    assert dialog.recommendation is not None
    manager = window.open_model_manager()
    monkeypatch.setattr(manager, "download_catalog_entry", lambda entry, quant=None: started.append(entry.id))
    window.download_recommended(dialog.recommendation)
    assert started == [dialog.recommendation.entry.id]
    assert manager.isVisible()
    dialog.reject()


def test_a_setting_that_cannot_be_saved_says_so(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only config folder or a full disk: the change applies, and the window says it was not saved."""
    import errno

    from desktop.settings import SettingsFile

    def full_disk(self: SettingsFile, settings: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SettingsFile, "save", full_disk)
    window.apply_settings(window.settings.with_changes(font_size=15))
    assert window.theme.font_size == 15
    assert window.view.notice.isVisibleTo(window)
    assert "settings were not saved (No space left on device" in window.view.notice.text()


def test_extra_cpu_kernels_are_explained_saved_and_reload_the_model(window: MainWindow, qtbot: QtBot) -> None:
    dialog = window.open_settings()
    assert dialog.extra_kernels.currentData() == "auto"
    automatic = kernel_choice(None)
    assert dialog.extra_kernels.itemText(0) == f"Automatic ({'on' if automatic.extra_buffers else 'off'} here)"
    assert "AMX" in dialog.kernels_note.text() and automatic.reason in dialog.kernels_note.text()
    dialog.extra_kernels.setCurrentIndex(dialog.extra_kernels.findData("never"))
    with qtbot.waitSignal(window.bridge.model_loaded, timeout=LONG) as loaded:
        dialog.accept()
    assert loaded.args[0].extra_buffers is False
    assert window.settings_file_settings().extra_cpu_kernels == "never"
    assert "extra CPU kernels off: chosen in Settings" in diagnostics(window.paths, window.settings, None)
