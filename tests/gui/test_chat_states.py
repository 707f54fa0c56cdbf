"""What a new user meets while chatting: the welcome gives way to typing, focus is back in the
message box after New chat, each chat shows its own busy state, the edit box sends on Enter,
Copy says it copied, a deleted message can be brought back, a missing source file says so."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow

LONG = 30_000


def answer(window: MainWindow, qtbot: QtBot, text: str, max_tokens: int = 8) -> None:
    window.settings_panel.fields["max_tokens"].setValue(max_tokens)
    window.composer.input.setPlainText(text)
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        window.composer.submit()


def test_typing_a_question_dismisses_the_welcome(window: MainWindow, qtbot: QtBot) -> None:
    welcome = window.show_welcome()
    assert welcome.isVisible()
    qtbot.keyClicks(window.composer.input, "What can you do?")
    assert not welcome.isVisible()
    assert window.settings_file_settings().first_run_done


def test_sending_dismisses_the_welcome(window: MainWindow, qtbot: QtBot) -> None:
    window.composer.input.setPlainText("Hello")  # typed before the welcome came up
    welcome = window.show_welcome()
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        window.settings_panel.fields["max_tokens"].setValue(4)
        window.composer.submit()
    assert not welcome.isVisible()


def test_new_chat_puts_the_focus_back_in_the_message_box(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "First question")
    assert window.controller.conversation is not None
    last = window.store.thread(window.controller.conversation.id)[-1]
    qtbot.mouseClick(window.view.widgets[last.id].copy_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.controller.conversation is None
    qtbot.waitUntil(window.composer.input.hasFocus, timeout=5000)
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClicks(focused, "typed straight away")
    assert window.composer.input.toPlainText() == "typed straight away"
    qtbot.mouseClick(window.sidebar.new_button, Qt.MouseButton.LeftButton)
    assert window.composer.input.hasFocus()


def test_each_chat_shows_its_own_busy_state(window: MainWindow, qtbot: QtBot) -> None:
    window.settings_panel.fields["max_tokens"].setValue(0)  # until the context is full: time to look
    window.composer.input.setPlainText("A long story, please")
    with qtbot.waitSignal(window.bridge.text_streamed, timeout=LONG):
        window.composer.submit()
    story = window.controller.conversation
    assert story is not None and window.composer.send_button.text() == "Stop"

    window.new_chat()
    composer = window.composer
    assert composer.send_button.text() == "Send" and not composer.send_button.isEnabled()
    assert composer.note.isVisible() and story.title in composer.note.text()
    qtbot.keyClicks(composer.input, "My own question")
    qtbot.keyClick(composer.input, Qt.Key.Key_Return)
    assert composer.input.toPlainText() == "My own question"  # kept, not lost
    assert window.controller.conversation is None and composer.note.isVisible()

    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        window.controller.stop()
    assert window.header.context_gauge.value() == 0  # the other chat's tokens stay with it
    assert window.header.context_text.text().startswith("0 /")
    assert not composer.note.isVisible() and composer.send_button.isEnabled()
    window.controller.open_conversation(story.id)
    assert window.header.context_gauge.value() > 0


def test_enter_sends_an_edited_message(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "First wording")
    assert window.controller.conversation is not None
    conversation = window.controller.conversation.id
    question = window.store.thread(conversation)[0]
    widget = window.view.widgets[question.id]
    qtbot.mouseClick(widget.edit_button, Qt.MouseButton.LeftButton)
    assert widget._editor is not None
    widget._editor.setPlainText("Second wording")
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        qtbot.keyClick(widget._editor, Qt.Key.Key_Return)
    assert window.store.thread(conversation)[0].content == "Second wording"


def test_escape_in_the_edit_box_cancels_the_edit(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "Keep this wording")
    assert window.controller.conversation is not None
    question = window.store.thread(window.controller.conversation.id)[0]
    widget = window.view.widgets[question.id]
    qtbot.mouseClick(widget.edit_button, Qt.MouseButton.LeftButton)
    assert widget._editor is not None
    qtbot.keyClick(widget._editor, Qt.Key.Key_Escape)
    assert widget._editor is None and not widget.body.isHidden()


def test_copy_says_copied(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "Copy me")
    assert window.controller.conversation is not None
    question = window.store.thread(window.controller.conversation.id)[0]
    button = window.view.widgets[question.id].copy_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert button.text() == "Copied" and QApplication.clipboard().text() == "Copy me"
    qtbot.waitUntil(lambda: button.text() == "Copy", timeout=10_000)


def test_a_deleted_message_can_be_brought_back(window: MainWindow, qtbot: QtBot) -> None:
    answer(window, qtbot, "One")
    answer(window, qtbot, "Two")
    assert window.controller.conversation is not None
    conversation = window.controller.conversation.id
    before = window.store.thread(conversation)
    qtbot.mouseClick(window.view.widgets[before[2].id].delete_button, Qt.MouseButton.LeftButton)
    assert len(window.store.thread(conversation)) == 2
    assert window.sidebar.undo_bar.isVisible() and "Deleted a message" in window.sidebar.undo_label.text()
    qtbot.mouseClick(window.sidebar.undo_button, Qt.MouseButton.LeftButton)
    assert window.store.thread(conversation) == before
    assert [w.message.id for w in window.view.widgets.values()] == [m.id for m in before]


def test_a_source_that_cannot_be_opened_says_why(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    conversation = window.store.create_conversation(title="Sources")
    window.store.add_message(conversation.id, "user", "What do my notes say?")
    gone = tmp_path / "notes.txt"
    citation = {"number": 1, "path": str(gone), "file_name": "notes.txt", "snippet": "Buy bread"}
    answer_row = window.store.add_message(conversation.id, "assistant", "Bread [1].", stats={"citations": [citation]})
    window.controller.open_conversation(conversation.id)
    widget = window.view.widgets[answer_row.id]
    assert "notes.txt" in widget.sources_label.text()
    widget.sources_label.linkActivated.emit(QUrl.fromLocalFile(str(gone)).toString())
    assert "notes.txt cannot be opened: it was moved or deleted" in widget.notice_label.text()
    assert widget.notice_label.isVisibleTo(widget)


def test_a_search_hit_shows_its_snippet_then_the_message_at_the_top_marked(window: MainWindow, qtbot: QtBot) -> None:
    conversation = window.store.create_conversation(title="Animals")
    for i in range(60):
        text = "The zebra has stripes." if i == 10 else f"Message {i}: " + "nothing special here. " * 12
        window.store.add_message(conversation.id, "user" if i % 2 == 0 else "assistant", text)
    window.controller.refresh_sidebar()
    qtbot.keyClicks(window.sidebar.search_field, "zebra")
    qtbot.waitUntil(lambda: "zebra" in window.sidebar.tree.topLevelItem(0).text(0), timeout=5000)
    hit = window.sidebar.tree.topLevelItem(0)
    assert hit.text(0).splitlines() == ["Animals", "The zebra has stripes."]
    window.sidebar._on_tree_item_clicked(hit)
    zebra = next(m for m in window.store.thread(conversation.id) if "zebra" in m.content)
    widget = window.view.widgets[zebra.id]
    viewport = window.view.viewport()

    def top_of_message() -> int:
        return widget.mapTo(viewport, widget.rect().topLeft()).y()

    qtbot.waitUntil(lambda: 0 <= top_of_message() <= 100, timeout=5000)
    qtbot.wait(300)  # the messages around it settle their heights: it stays where it is
    assert 0 <= top_of_message() <= 100
    marked = widget.body.extraSelections()
    assert [selection.cursor.selectedText() for selection in marked] == ["zebra"]
