"""The `/` picker and its form, the prompt library window, assistants and LoRA adapters in the
real window, on tiny generated models (answers are noise)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.chats import read_prompt_file
from desktop.ui.main_window import MainWindow
from models.library import AdapterLibrary
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_adapter

LONG = 30_000


def small_answers(window: MainWindow) -> None:
    window.settings_panel.fields["max_tokens"].setValue(4)


def test_slash_filters_the_library_and_the_form_sends_the_filled_prompt(window: MainWindow, qtbot: QtBot) -> None:
    window.store.prompts.add("Translate", "Into {{language|French}}: {{clipboard}}")
    window.store.prompts.add("Explain", "Explain {{topic}} in a {{tone|friendly}} tone.", "For beginners")
    small_answers(window)
    picker = window.personal.picker
    qtbot.keyClicks(window.composer.input, "/")
    assert picker.visible and picker.list.count() == 2
    qtbot.keyClicks(window.composer.input, "exp")
    assert picker.list.count() == 1 and picker.list.currentItem().text().startswith("Explain — For beginners")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    form = window.personal.form
    assert form is not None and form.isVisible() and not picker.visible
    assert window.composer.input.toPlainText() == "" and window.controller.conversation is None
    assert not form.send_button.isEnabled()
    assert form.problems.text().count("Give a value for {{topic}}.") == 1
    qtbot.keyClicks(form.fields["topic"], "owls")
    assert form.preview.toPlainText() == "Explain owls in a friendly tone."
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        qtbot.keyClick(form.fields["tone"], Qt.Key.Key_Return)  # Enter in the last field sends
    thread = window.store.thread(window.controller.conversation.id)
    assert thread[0].content == "Explain owls in a friendly tone." and not form.isVisible()


def test_escape_closes_the_picker_and_a_message_that_matches_nothing_is_sent(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.store.prompts.add("Explain", "Explain {{topic}}.")
    small_answers(window)
    qtbot.keyClicks(window.composer.input, "/")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Escape)
    assert not window.personal.picker.visible and window.composer.input.toPlainText() == "/"
    qtbot.keyClicks(window.composer.input, "usr/bin is a folder")
    assert not window.personal.picker.visible  # closed for this message
    window.composer.input.clear()
    window.composer.input.setPlainText("/zzz")
    assert window.personal.picker.visible
    assert window.personal.picker.list.item(0).text() == "No saved prompt matches “zzz”"
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    assert window.store.thread(window.controller.conversation.id)[0].content == "/zzz"


def test_a_prompt_without_variables_waits_in_the_message_box(window: MainWindow, qtbot: QtBot) -> None:
    window.store.prompts.add("Greeting", "Hello there, how are you?")
    qtbot.keyClicks(window.composer.input, "/gree")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Tab)
    assert window.composer.input.toPlainText() == "Hello there, how are you?"
    assert window.controller.conversation is None and window.personal.form is None


def test_selection_is_the_newest_message_and_a_missing_file_blocks_sending(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    small_answers(window)
    window.composer.input.setPlainText("first question")
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        window.composer.submit()
    answer = window.store.thread(window.controller.conversation.id)[-1]
    missing = tmp_path / "nowhere.txt"
    prompt = window.store.prompts.add("Fix", f"Fix: {{{{selection}}}} with {{{{file:{missing}}}}}")
    window.personal.use_prompt(prompt)
    form = window.personal.form
    assert form is not None
    assert form.preview.toPlainText().startswith(f"Fix: {answer.content} with {{{{file:")
    assert f"there is no file at {missing}" in form.problems.text() and not form.send_button.isEnabled()
    missing.write_text("the notes")
    form.refresh()
    assert form.preview.toPlainText() == f"Fix: {answer.content} with the notes" and form.send_button.isEnabled()
    form.close()


def test_the_library_window_adds_edits_duplicates_deletes_imports_and_exports(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    library = window.personal.library_window
    assert library is not None and library.isVisible()
    library.new_button.click()
    library.name_field.setText("Standup")
    library.text_field.setPlainText("Standup for {{date}}: {{notes")
    assert "never closed" in library.message.text()
    assert not library.save()
    library.text_field.setPlainText("Standup for {{date}}: {{notes}}")
    assert library.variables_label.text() == "Variables: notes · built-ins: {{date}}"
    assert library.save() and library.prompt_names() == ["Standup"]
    library.duplicate_button.click()
    assert library.prompt_names() == ["Standup", "Standup copy"]
    library.text_field.setPlainText("Changed")
    library.list.setCurrentRow(0)  # moving away saves the edit
    assert window.store.prompts.find("Standup copy").text == "Changed"
    library.search_field.setText("changed")
    assert library.prompt_names() == ["Standup copy"]
    library.search_field.clear()
    library.select("Standup copy")
    library.confirm = lambda _text: True
    library.delete_button.click()
    assert library.prompt_names() == ["Standup"]

    library.choose_export_folder = lambda: tmp_path / "shared"
    written = library.export(selected_only=False)
    assert [p.name for p in written] == ["Standup.md"]
    (tmp_path / "Review.md").write_text("---\nname: Review\n---\nReview {{selection}}\n")
    (tmp_path / "bad.md").write_bytes(b"\x00")
    library.choose_import_files = lambda: [written[0], tmp_path / "Review.md", tmp_path / "bad.md"]
    library.import_files()
    assert library.prompt_names() == ["Review", "Standup", "Standup (2)"]
    assert "Imported 2 prompts." in library.message.text() and "bad.md is not a text file" in library.message.text()
    assert read_prompt_file(written[0]).text == "Standup for {{date}}: {{notes}}"


def test_an_assistant_starts_chats_with_its_settings_and_the_sidebar_filters_them(
    window: MainWindow, qtbot: QtBot
) -> None:
    small_answers(window)
    window.composer.input.setPlainText("a chat without an assistant")
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        window.composer.submit()
    plain_chat = window.controller.conversation.id

    editor = window.personal.open_assistants()
    editor.name_field.setText("Tutor")
    editor.icon_field.setText("T")
    editor.panel.system_prompt.setPlainText("You teach gently.")
    editor.panel.fields["temperature"].setValue(0.25)
    editor.panel.fields["max_tokens"].setValue(4)
    editor.starters.setPlainText("Say hello\nExplain {{topic}}")
    tutor = editor.save()
    assert tutor is not None and tutor.settings["temperature"] == 0.25 and "context_length" not in tutor.settings
    assert [a.name for a in window.personal.bar.assistants] == ["Tutor"]

    window.personal.bar.chat_requested.emit(tutor)  # "New chat with…" Tutor
    assert window.controller.conversation is None
    assert window.personal.badge.text() == "T  Tutor" and window.personal.badge.isVisible()
    assert window.settings_panel.system_prompt.toPlainText() == "You teach gently."
    assert window.settings_panel.fields["temperature"].value() == 0.25
    assert [b.text() for b in window.personal.starters.buttons] == ["Say hello", "Explain {{topic}}"]
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        qtbot.mouseClick(window.personal.starters.buttons[0], Qt.MouseButton.LeftButton)
    conversation = window.controller.conversation
    assert (conversation.assistant_id, conversation.system_prompt) == (tutor.id, "You teach gently.")
    assert conversation.settings["temperature"] == 0.25
    assert window.store.thread(conversation.id)[0].content == "Say hello"
    assert window.personal.starters.isHidden()

    window.personal.bar.show_only(tutor.id)
    assert window.sidebar.conversation_ids() == [conversation.id]
    window.personal.bar.show_only(None)
    assert set(window.sidebar.conversation_ids()) == {conversation.id, plain_chat}
    window.controller.open_conversation(plain_chat)
    assert window.personal.badge.isHidden()
    window.controller.open_conversation(conversation.id)
    assert window.personal.badge.text() == "T  Tutor"


def test_a_chat_answers_with_a_lora_adapter_and_a_mismatched_one_is_refused(
    window: MainWindow, qtbot: QtBot, models_dir: Path, tmp_path: Path
) -> None:
    adapters = AdapterLibrary(models_dir)
    adapters.import_file(write_tiny_adapter(tmp_path / "style.gguf"), "tiny-a", models_dir / "tiny-a.gguf")
    wide = write_tiny_adapter(tmp_path / "wide.gguf", base=TinyModelSpec(n_embd=128, n_ff=256))
    window.header.settings_button.setChecked(True)  # the panel lists the adapters installed by now
    picker = window.settings_panel.adapters
    style_path = str(adapters.find("style").path)
    assert list(picker.rows) == [style_path]
    small_answers(window)
    box, spin = picker.rows[style_path]
    box.setChecked(True)
    spin.setValue(0.5)
    window.composer.input.setPlainText("with an adapter")
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        window.composer.submit()
    conversation = window.controller.conversation
    assert conversation.settings["adapters"] == [{"name": "style", "path": style_path, "scale": 0.5}]
    assert window.store.thread(conversation.id)[-1].status == "complete"

    settings = {**conversation.settings, "adapters": [{"name": "wide", "path": str(wide), "scale": 1.0}]}
    window.controller.update_settings(settings)
    window.settings_panel.show_settings(settings)
    assert "wide (does not fit this model)" in [b.text() for b, _s in picker.rows.values()]
    window.composer.input.setPlainText("with the wrong adapter")
    with qtbot.waitSignal(window.bridge.answer_failed, timeout=LONG):
        window.composer.submit()
    failed = window.store.thread(conversation.id)[-1]
    assert failed.status == "failed"
    assert "The adapter wide.gguf does not fit Tiny Llama" in failed.stats["error"]
