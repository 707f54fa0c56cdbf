"""The template doctor and the thinking switch in the window, on model families' tiny GGUFs."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow
from tests.fixtures.families import FAMILY_MODELS_BY_KEY, write_family_model

LONG = 30_000


def load(window: MainWindow, qtbot: QtBot, path: Path):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.bridge.model_loaded, timeout=LONG) as loaded:
        window.load_model(path)
    return loaded.args[0]


def test_doctor_shows_the_prompt_with_special_tokens(window: MainWindow, qtbot: QtBot) -> None:
    window.composer.input.setPlainText("What is in this prompt?")
    with qtbot.waitSignal(window.bridge.prompt_inspected, timeout=LONG):
        doctor = window.open_template_doctor()
    html = doctor.prompt.toHtml()
    assert "What is in this prompt?" in doctor.prompt.toPlainText()
    assert "&lt;|im_start|&gt;" in html and "background-color:#f5d76e" in html
    assert "tiny-a" in doctor.summary.text()


def test_choosing_a_known_good_template(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.bridge.prompt_inspected, timeout=LONG):
        doctor = window.open_template_doctor()
    doctor.template_choice.setCurrentIndex(doctor.template_choice.findData("llama3"))
    with qtbot.waitSignals([window.bridge.model_loaded, window.bridge.prompt_inspected], timeout=LONG, order="strict"):
        doctor.apply_button.click()
    assert window.bridge.model.template_source == "known-good: llama3"
    assert "<|start_header_id|>" in doctor.prompt.toPlainText()


def test_thinking_switch_appears_for_qwen3_and_reaches_the_prompt(window: MainWindow, qtbot: QtBot,
                                                                   tmp_path: Path) -> None:
    assert window.settings_panel.thinking.isHidden()
    load(window, qtbot, write_family_model(tmp_path / "qwen3.gguf", FAMILY_MODELS_BY_KEY["qwen3"]))
    assert not window.settings_panel.thinking.isHidden()
    window.settings_panel.thinking.setChecked(False)
    window.composer.input.setPlainText("Quick answer please")
    with qtbot.waitSignal(window.bridge.prompt_inspected, timeout=LONG):
        doctor = window.open_template_doctor()
    assert "<think>\n\n</think>" in doctor.prompt.toPlainText()  # Qwen 3's template closes it
