"""The window on a laptop: usable at 1024×640 with the chat settings open, at normal and bigger
text; the header shortens long text instead of widening the window; the window remembers its
size and the chat it showed; Help, About says what Hearth is and where its data lives."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.ui import header
from desktop.ui.main_window import MainWindow

LONG = 30_000
LAPTOP = (1024, 640)


@pytest.mark.parametrize("points", [11, 16])
def test_the_window_fits_a_laptop_with_the_chat_settings_open(window: MainWindow, qtbot: QtBot, points: int) -> None:
    window.set_font_size(points)
    window.header.settings_button.setChecked(True)
    window.header.set_status("CUDA · NVIDIA GeForce RTX 4090 Laptop GPU (16 GiB), every layer offloaded · "
                             "131,072-token context")
    window.header.set_context(131_072, 131_072)
    window.header.set_models([("Qwen2.5-Coder-32B-Instruct-Q4_K_M (a very long file name)", window.paths.models)],
                             window.paths.models)
    window.resize(*LAPTOP)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == LAPTOP, timeout=5000)
    hint = window.minimumSizeHint()
    assert hint.width() <= LAPTOP[0] and hint.height() <= LAPTOP[1], hint
    sheet = window.settings_sheet
    assert sheet.isVisible() and sheet.width() >= window.settings_panel.minimumSizeHint().width()
    on_window = QRect(sheet.mapTo(window, sheet.rect().topLeft()), sheet.size())
    assert window.rect().contains(on_window)
    # The gauge's figures are whole, on one line, beside the bar.
    figures = window.header.context_text
    assert figures.text() == "131,072 / 131,072"
    assert figures.width() >= figures.sizeHint().width() and "\n" not in figures.text()
    # The status line is shortened on screen; the whole of it is its tooltip.
    status = window.header.status_label
    assert QLabel.text(status).endswith("…") and status.toolTip() == status.text()


def test_the_model_selector_shows_a_model_name_whole(window: MainWindow, qtbot: QtBot) -> None:
    # At normal text size on a laptop; at 16 points the header has no room left for it (the
    # window still fits: the test above).
    window.resize(*LAPTOP)
    selector = window.header.model_selector
    window.header.set_models([("SmolLM2 135M (starter)", window.paths.models)], window.paths.models)
    whole = selector.fontMetrics().horizontalAdvance("SmolLM2 135M (starter)")
    # The status line beside it gives way: the name is not cut short ("SmolLM2 135M (starter").
    qtbot.waitUntil(lambda: selector.width() >= whole, timeout=5000)
    window.header.set_models([("A model whose file name goes on and on and on, far too long", window.paths.models)],
                             window.paths.models)
    assert selector.sizeHint().width() == selector.maximumWidth()  # a long name is still shortened


def test_the_settings_sheet_covers_the_conversation_not_the_window(window: MainWindow, qtbot: QtBot) -> None:
    window.resize(1200, 800)
    qtbot.waitUntil(lambda: window.width() == 1200, timeout=5000)
    before = window.view.width()
    window.header.settings_button.setChecked(True)
    qtbot.waitUntil(lambda: window.settings_sheet.isVisible(), timeout=5000)
    assert window.width() == 1200 and window.view.width() == before
    assert window.settings_sheet.geometry().right() == window.view.geometry().right()
    window.header.settings_button.setChecked(False)
    assert not window.settings_sheet.isVisible()


def test_copy_diagnostics_confirms_then_the_device_line_comes_back(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(header, "NOTE_SECONDS", 0.2)
    device_line = window.header.status_label.text()
    assert "context" in device_line
    window.copy_diagnostics()
    assert window.header.status_label.text() == "Diagnostics copied to the clipboard."
    qtbot.waitUntil(lambda: window.header.status_label.text() == device_line, timeout=5000)


def test_about_says_version_licences_and_the_data_folder(window: MainWindow) -> None:
    from desktop import __version__

    dialog = window.show_about()
    text = dialog.text.text()
    assert f"Hearth {__version__}" in text and "Apache-2.0" in text and "LGPL-3.0" in text
    assert str(window.paths.data) in text
    dialog.close()


def test_the_next_start_reopens_the_last_chat_where_the_window_was(qtbot: QtBot, models_dir: object) -> None:
    from desktop.app import create_window
    from desktop.paths import AppPaths

    first, _ = create_window(AppPaths.default())
    qtbot.addWidget(first)
    conversation = first.store.create_conversation(title="Where we left off")
    first.store.add_message(conversation.id, "user", "Remember me")
    first.controller.open_conversation(conversation.id)
    first.show()
    first.resize(720, 520)  # the offscreen test screen is 800×800
    first.move(40, 30)
    qtbot.waitUntil(lambda: first.width() == 720, timeout=5000)
    where = first.geometry()
    first.close()
    first.store.close()

    second, _ = create_window(AppPaths.default())
    qtbot.addWidget(second)
    try:
        assert second.controller.conversation is not None
        assert second.controller.conversation.id == conversation.id
        assert [w.message.content for w in second.view.widgets.values()] == ["Remember me"]
        assert second.geometry() == where
    finally:
        second.close()
        second.store.close()


def test_the_message_box_grows_with_what_is_typed(window: MainWindow, qtbot: QtBot) -> None:
    box = window.composer.input
    empty = box.height()
    assert empty <= 3 * box.fontMetrics().lineSpacing() + 20  # two lines, not a tall empty box
    box.setPlainText("\n".join(f"line {n}" for n in range(5)))
    qtbot.waitUntil(lambda: box.height() > empty, timeout=5000)
    grown = box.height()
    box.setPlainText("\n".join(f"line {n}" for n in range(50)))
    qtbot.waitUntil(lambda: box.height() > grown, timeout=5000)
    assert box.height() <= 9 * box.fontMetrics().lineSpacing() + 20  # at most 8 lines, then it scrolls
    box.clear()
    qtbot.waitUntil(lambda: box.height() == empty, timeout=5000)
