"""The real window, driven as a user would, on tiny generated models (answers are noise)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow

LONG = 30_000


def send(window: MainWindow, qtbot: QtBot, text: str) -> None:
    window.composer.input.setPlainText(text)
    with qtbot.waitSignal(window.bridge.text_streamed, timeout=LONG):
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)


def answer(window: MainWindow, qtbot: QtBot, text: str, max_tokens: int = 8):  # type: ignore[no-untyped-def]
    """Send `text` with a small answer limit and wait for the answer to finish."""
    window.settings_panel.fields["max_tokens"].setValue(max_tokens)
    window.composer.input.setPlainText(text)
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG) as finished:
        window.composer.submit()
    return finished.args[0]


def test_send_streams_and_stop_keeps_the_partial_answer(window: MainWindow, qtbot: QtBot) -> None:
    send(window, qtbot, "Hello Hearth")
    assert window.composer.input.toPlainText() == ""
    assert window.composer.send_button.text() == "Stop"
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG) as finished:
        qtbot.mouseClick(window.composer.send_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].stop_reason == "cancelled"
    assert window.composer.send_button.text() == "Send"
    thread = window.store.thread(window.controller.conversation.id)
    assert [m.role for m in thread] == ["user", "assistant"]
    assert thread[0].content == "Hello Hearth"
    assert thread[1].status == "cancelled" and thread[1].content
    widget = window.view.widgets[thread[1].id]
    assert "stopped by you" in widget.stats_label.text()
    assert window.sidebar.conversation_ids() == [window.controller.conversation.id]


def test_escape_stops_the_answer(window: MainWindow, qtbot: QtBot) -> None:
    send(window, qtbot, "Tell me everything")
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG) as finished:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert finished.args[0].stop_reason == "cancelled"


def test_shift_enter_adds_a_line(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClicks(window.composer.input, "line one")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(window.composer.input, "line two")
    assert window.composer.input.toPlainText() == "line one\nline two"
    assert window.controller.conversation is None  # nothing was sent


def test_regenerate_keeps_the_old_answer_as_an_alternative(window: MainWindow, qtbot: QtBot) -> None:
    window.settings_panel.fields["temperature"].setValue(1.0)
    first = answer(window, qtbot, "Say something")
    assert first.generated_tokens == 8
    conversation = window.controller.conversation.id
    old = window.store.thread(conversation)[-1]
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        qtbot.mouseClick(window.view.widgets[old.id].regenerate_button, Qt.MouseButton.LeftButton)
    new = window.store.thread(conversation)[-1]
    assert new.id != old.id and new.parent_id == old.parent_id
    widget = window.view.widgets[new.id]
    assert widget.alternative_label.text() == "2/2" and widget.previous_button.isEnabled()
    qtbot.mouseClick(widget.previous_button, Qt.MouseButton.LeftButton)
    assert window.store.thread(conversation)[-1].id == old.id
    assert window.view.widgets[old.id].alternative_label.text() == "1/2"


def test_edit_and_resend_branches_the_conversation(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "First wording")
    conversation = window.controller.conversation.id
    user = window.store.thread(conversation)[0]
    widget = window.view.widgets[user.id]
    qtbot.mouseClick(widget.edit_button, Qt.MouseButton.LeftButton)
    assert widget._editor is not None
    widget._editor.setPlainText("Second wording")
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        widget._submit_edit()
    thread = window.store.thread(conversation)
    assert thread[0].content == "Second wording" and thread[0].id != user.id
    assert [m.content for m in window.store.alternatives(thread[0].id)] == ["First wording", "Second wording"]
    assert window.view.widgets[thread[0].id].alternative_label.text() == "2/2"


def test_delete_a_message(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "One")
    answer(window, qtbot, "Two")
    conversation = window.controller.conversation.id
    second_user = window.store.thread(conversation)[2]
    qtbot.mouseClick(window.view.widgets[second_user.id].delete_button, Qt.MouseButton.LeftButton)
    assert [m.content for m in window.store.thread(conversation) if m.role == "user"] == ["One"]
    assert second_user.id not in window.view.widgets


def test_switching_model_keeps_the_conversation(window: MainWindow, qtbot: QtBot, models_dir: Path) -> None:
    answer(window, qtbot, "Before the switch")
    conversation = window.controller.conversation.id
    selector = window.header.model_selector
    index = selector.findText("tiny-b")
    with qtbot.waitSignal(window.bridge.model_loaded, timeout=LONG) as loaded:
        selector.activated.emit(index)
    assert loaded.args[0].name == "tiny-b"
    assert selector.currentText() == "tiny-b"
    assert window.controller.conversation.id == conversation
    answer(window, qtbot, "After the switch")
    thread = window.store.thread(conversation)
    assert [m.model for m in thread if m.role == "assistant"] == ["tiny-a", "tiny-b"]


def test_search_finds_messages_and_opens_them(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "Tell me about pelicans")
    pelicans = window.controller.conversation.id
    window.controller.new_conversation()
    answer(window, qtbot, "Tell me about otters")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.sidebar.search_field.hasFocus()
    qtbot.keyClicks(window.sidebar.search_field, "pelican")
    qtbot.waitUntil(lambda: "pelicans" in window.sidebar.tree.topLevelItem(0).text(0), timeout=5000)
    assert window.sidebar.tree.topLevelItemCount() == 1  # otters do not match
    hit = window.sidebar.tree.topLevelItem(0)
    window.sidebar._on_tree_item_clicked(hit)
    assert window.controller.conversation.id == pelicans


def test_export_markdown_and_json(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    answer(window, qtbot, "Export me")
    conversation = window.controller.conversation.id
    window.controller.export(conversation, tmp_path / "chat.md")
    window.controller.export(conversation, tmp_path / "chat.json")
    assert "Export me" in (tmp_path / "chat.md").read_text()
    data = json.loads((tmp_path / "chat.json").read_text())
    assert "Export me" in json.dumps(data)


def test_delete_conversation_and_undo(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "Keep me safe")
    conversation = window.controller.conversation.id
    window.sidebar.delete_requested.emit(conversation)
    assert window.sidebar.conversation_ids() == []
    assert window.sidebar.undo_bar.isVisible()
    assert window.controller.conversation is None
    qtbot.mouseClick(window.sidebar.undo_button, Qt.MouseButton.LeftButton)
    assert window.sidebar.conversation_ids() == [conversation]
    assert window.controller.conversation.id == conversation


def test_rename_conversation(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "Name me")
    conversation = window.controller.conversation.id
    window.sidebar.rename_requested.emit(conversation, "Renamed chat")
    assert window.store.get_conversation(conversation).title == "Renamed chat"
    assert window.windowTitle() == "Renamed chat — Hearth"


def test_settings_reach_the_engine(window: MainWindow, qtbot: QtBot) -> None:
    window.settings_panel.fields["seed"].setValue(42)
    window.settings_panel.fields["temperature"].setValue(1.0)
    first = answer(window, qtbot, "Same question", max_tokens=5)
    assert first.generated_tokens == 5
    conversation = window.controller.conversation.id
    assert window.store.get_conversation(conversation).settings["seed"] == 42
    text_one = window.store.thread(conversation)[-1].content
    window.controller.new_conversation()
    window.settings_panel.fields["seed"].setValue(42)
    window.settings_panel.fields["temperature"].setValue(1.0)
    answer(window, qtbot, "Same question", max_tokens=5)
    assert window.store.thread(window.controller.conversation.id)[-1].content == text_one


def test_context_gauge_follows_the_conversation(window: MainWindow, qtbot: QtBot) -> None:
    stats = answer(window, qtbot, "Count my tokens")
    assert window.header.context_gauge.maximum() == 8192
    assert window.header.context_gauge.value() == stats.prompt_tokens + stats.generated_tokens


def test_keyboard_shortcuts(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "Something")
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.controller.conversation is None and not window.view.widgets
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.header.model_selector.view().isVisible()  # the model list is open
    window.header.model_selector.hidePopup()


def test_theme_and_font_size_persist(window: MainWindow, qtbot: QtBot) -> None:
    window.set_theme("dark")
    assert window.theme.dark
    assert QGuiApplication.palette().color(QGuiApplication.palette().ColorRole.Base).lightness() < 60
    window.set_font_size(15)
    assert window.settings_file_settings().theme == "dark"
    assert window.settings_file_settings().font_size == 15
    window.set_theme("light")
    assert not window.theme.dark


def test_a_broken_model_is_explained_and_the_model_stays(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model")
    with qtbot.waitSignal(window.bridge.model_failed, timeout=LONG):
        window.load_model(broken)
    assert "it is not a GGUF model file" in window.view.notice.text()
    assert window.composer.send_button.isEnabled()
    assert window.header.model_selector.currentText() == "tiny-a"


def test_copy_diagnostics(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "A secret about my garden")
    window.copy_diagnostics()
    text = QGuiApplication.clipboard().text()
    assert "Hearth 0.1.0" in text and "Model: tiny-a" in text and "Backend: CPU" in text
    assert "garden" not in text
