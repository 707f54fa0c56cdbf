"""Variables in saved prompts: parsing, defaults, escapes, built-ins, files, and never a literal {{…}} sent."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from desktop.chats import FillContext, PromptFillError, fill, fill_partial, parse
from desktop.chats.variables import MAX_FILE_BYTES, Variable, read_text_file

NOON = datetime(2025, 6, 1, 12, 5)


def context(tmp_path: Path, **fields: object) -> FillContext:
    return FillContext(now=NOON, base_folder=tmp_path, **fields)  # type: ignore[arg-type]


def test_variables_with_and_without_defaults(tmp_path: Path) -> None:
    text = "Write about {{topic}} in a {{tone|friendly}} tone, {{ topic }} again."
    parsed = parse(text)
    assert parsed.variables == [Variable("topic", None), Variable("tone", "friendly")]
    assert fill(text, {"topic": "owls"}, context(tmp_path)) == "Write about owls in a friendly tone, owls again."
    assert fill(text, {"topic": "owls", "tone": "dry"}, context(tmp_path)).count("dry") == 1


def test_an_empty_value_means_the_default_or_missing(tmp_path: Path) -> None:
    assert fill("{{tone|calm}}", {"tone": "  "}, context(tmp_path)) == "calm"
    with pytest.raises(PromptFillError) as caught:
        fill("{{topic}}", {"topic": ""}, context(tmp_path))
    assert caught.value.problems == ("Give a value for {{topic}}.",)


def test_a_default_may_be_empty_and_names_may_have_spaces(tmp_path: Path) -> None:
    text = "Into {{target language|}}{{notes-extra|}}."
    assert [v.name for v in parse(text).variables] == ["target language", "notes-extra"]
    assert fill(text, {}, context(tmp_path)) == "Into ."


def test_every_missing_variable_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(PromptFillError) as caught:
        fill("{{a}} {{b}} {{a}} {{c|ok}}", {}, context(tmp_path))
    assert caught.value.problems == ("Give a value for {{a}}.", "Give a value for {{b}}.")
    assert str(caught.value) == "Give a value for {{a}}. Give a value for {{b}}."


def test_escaped_braces_are_text_not_variables(tmp_path: Path) -> None:
    text = r"Jinja uses \{{ name \}} and {{topic}}."
    assert [v.name for v in parse(text).variables] == ["topic"]
    assert fill(text, {"topic": "x"}, context(tmp_path)) == "Jinja uses {{ name }} and x."


def test_an_unclosed_opening_is_a_problem_not_text(tmp_path: Path) -> None:
    text = "line one {{topic\nline two {{ok}}"
    _filled, problems = fill_partial(text, {"ok": "fine"}, context(tmp_path))
    assert problems == ["A {{ on line 1 is never closed with }} on its line; write \\{{ for the braces themselves."]
    with pytest.raises(PromptFillError):
        fill(text, {"ok": "fine", "topic": "x"}, context(tmp_path))


@pytest.mark.parametrize(("text", "expected"), [
    ("{{env:HOME}}", "{{env:HOME}} is not a built-in: Hearth knows {{date}}, {{time}}, {{clipboard}}, "
                     "{{selection}} and {{file:PATH}}."),
    ("{{}}", "{{}} has no name inside the braces."),
    ("{{2fast}}", "{{2fast}} is not a variable: names are letters, digits, _ and single spaces or -, "
                  "starting with a letter (write \\{{ for the braces themselves)."),
    ("{{file:}}", "{{file:}} names no file: write {{file:PATH}}."),
    ("{{file}}", "{{file}} names no file: write {{file:PATH}}."),
])
def test_unknown_built_ins_and_bad_names_are_clear(tmp_path: Path, text: str, expected: str) -> None:
    assert parse(text).problems == (expected,)
    with pytest.raises(PromptFillError, match=r"built-in|name|file"):
        fill(text, {}, context(tmp_path))


def test_date_and_time_come_from_the_clock(tmp_path: Path) -> None:
    assert fill("{{date}} at {{TIME}}", {}, context(tmp_path)) == "2025-06-01 at 12:05"


def test_clipboard_only_in_the_window(tmp_path: Path) -> None:
    with pytest.raises(PromptFillError, match=r"\{\{clipboard\}\} works only in the window"):
        fill("{{clipboard}}", {}, context(tmp_path))
    assert fill("{{clipboard}}", {}, context(tmp_path, clipboard=lambda: "copied")) == "copied"
    with pytest.raises(PromptFillError, match="holds no text"):
        fill("{{clipboard}}", {}, context(tmp_path, clipboard=lambda: ""))
    assert fill("{{clipboard|nothing}}", {}, context(tmp_path, clipboard=lambda: "")) == "nothing"


def test_selection_is_the_message_being_answered(tmp_path: Path) -> None:
    assert fill("Fix: {{selection}}", {}, context(tmp_path, selection="teh cat")) == "Fix: teh cat"
    with pytest.raises(PromptFillError, match=r"\{\{selection\}\}: pipe it in"):
        fill("{{selection}}", {}, context(tmp_path, selection_hint="pipe it in"))


def test_a_file_is_read_relative_to_the_base_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Notes\nbuy milk\n", encoding="utf-8")
    assert fill("Sort: {{file:notes.md}}", {}, context(tmp_path)) == "Sort: # Notes\nbuy milk\n"
    assert fill(f"{{{{file:{tmp_path / 'notes.md'}}}}}", {}, context(tmp_path / "elsewhere")).startswith("# Notes")


def test_a_missing_file_is_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(PromptFillError) as caught:
        fill("Summarise {{file:gone.txt}}", {}, context(tmp_path))
    assert caught.value.problems == (f"{{{{file:gone.txt}}}}: there is no file at {tmp_path / 'gone.txt'}.",)
    assert fill("{{file:gone.txt|(no notes)}}", {}, context(tmp_path)) == "(no notes)"


def test_folders_devices_binaries_and_big_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "binary.bin").write_bytes(b"\x00\x01\x02text")
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    (tmp_path / "big.txt").write_text("x" * (MAX_FILE_BYTES + 1))
    reasons = {
        "folder": "is a folder, not a file",
        "binary.bin": "is not a text file",
        "latin1.txt": "is not UTF-8 text",
        "big.txt": "a prompt takes files up to 256 KiB",
    }
    for name, reason in reasons.items():
        with pytest.raises(PromptFillError, match=reason):
            read_text_file(name, tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")  # opening it for reading would wait for a writer forever
    with pytest.raises(PromptFillError, match="is not a regular file"):
        read_text_file("pipe", tmp_path)


def test_a_filled_prompt_never_carries_a_placeholder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("{{topic}} from a file stays as written")
    texts = ["{{a}}{{b|x}}", "{{date}}{{file:a.txt}}", r"\{{literal\}}", "{{a|{{b}}}}", "{{x}} {{", "}}{{y|}}"]
    for text in texts:
        filled, problems = fill_partial(text, {"a": "A"}, context(tmp_path, selection="s", clipboard=lambda: "c"))
        if not problems:
            # Only file contents, escaped braces and what the user typed can hold braces.
            stripped = filled.replace("{{topic}} from a file stays as written", "").replace("{{literal}}", "")
            assert "{{" not in stripped, (text, filled)
        else:
            with pytest.raises(PromptFillError):
                fill(text, {"a": "A"}, context(tmp_path, selection="s", clipboard=lambda: "c"))


def test_values_are_inserted_as_they_are(tmp_path: Path) -> None:
    # A value that looks like a placeholder is the user's text: it is not filled again.
    assert fill("{{a}} {{b}}", {"a": "{{b}}", "b": "B"}, context(tmp_path)) == "{{b}} B"
