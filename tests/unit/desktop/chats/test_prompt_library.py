"""The prompt library in the chat database, and prompts as Markdown files to share."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.chats import (
    ChatStore,
    NotFoundError,
    StoreError,
    from_markdown,
    read_prompt_file,
    schema,
    to_markdown,
    write_prompt_files,
)
from desktop.chats.prompt_files import MAX_PROMPT_FILE_BYTES
from tests.unit.desktop.chats.conftest import FakeClock


def test_add_find_update_and_delete(store: ChatStore, clock: FakeClock) -> None:
    library = store.prompts
    saved = library.add("  Code   review ", "Review {{file:change.diff}}", "Bugs first")
    assert saved.name == "Code review" and saved.description == "Bugs first"
    assert library.find("code REVIEW") == saved
    assert library.find("review") == saved  # an unambiguous part
    clock.advance(10)
    changed = library.update(saved.id, text="Review {{selection}}")
    assert changed.text == "Review {{selection}}" and changed.name == "Code review"
    assert changed.updated_at == saved.updated_at + 10
    library.delete(saved.id)
    assert library.list_prompts() == []
    with pytest.raises(NotFoundError, match="no prompt called 'review'"):
        library.find("review")


def test_names_are_unique_whatever_their_case(store: ChatStore) -> None:
    store.prompts.add("Summary", "text")
    with pytest.raises(StoreError, match="A prompt called 'SUMMARY' already exists"):
        store.prompts.add("SUMMARY", "other")
    assert store.prompts.unique_name("summary") == "summary (2)"


def test_empty_names_and_texts_are_refused(store: ChatStore) -> None:
    with pytest.raises(StoreError, match="needs a name"):
        store.prompts.add("   ", "text")
    with pytest.raises(StoreError, match="has no text"):
        store.prompts.add("Empty", " \n ")
    with pytest.raises(StoreError, match="at most 80 characters"):
        store.prompts.add("x" * 81, "text")


def test_duplicate_and_ambiguous_names(store: ChatStore) -> None:
    original = store.prompts.add("Translate", "Into {{language|French}}: {{clipboard}}")
    copy = store.prompts.duplicate(original.id)
    assert copy.name == "Translate copy" and copy.text == original.text and copy.id != original.id
    assert store.prompts.duplicate(original.id).name == "Translate copy (2)"
    with pytest.raises(NotFoundError, match="matches several prompts"):
        store.prompts.find("copy")
    assert store.prompts.find("translate").id == original.id  # an exact name wins


def test_search_matches_every_word_anywhere(store: ChatStore) -> None:
    store.prompts.add("Standup", "Write my standup for {{date}}")
    store.prompts.add("Email", "A polite email", "For work")
    assert [p.name for p in store.prompts.list_prompts("WORK polite")] == ["Email"]
    assert [p.name for p in store.prompts.list_prompts("")] == ["Email", "Standup"]


def test_a_version_1_database_gains_the_library_and_keeps_its_chats(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    schema.migrate(conn, "old", schema.MIGRATIONS[:1])
    conn.execute("INSERT INTO conversations (title, created_at, updated_at) VALUES ('Old chat', 1, 1)")
    conn.close()
    with ChatStore(db_path) as store:
        assert [c.title for c in store.list_conversations()] == ["Old chat"]
        assert store.list_conversations()[0].assistant_id is None
        assert store.prompts.add("New", "text").name == "New"


def test_markdown_round_trip_with_a_small_header(store: ChatStore) -> None:
    prompt = store.prompts.add("Code review", "Review:\n\n{{file:change.diff}}\n", "Bugs first")
    text = to_markdown(prompt)
    assert text.startswith("---\nname: Code review\ndescription: Bugs first\nhearth: prompt\n---\n")
    found = from_markdown(text, "fallback")
    assert (found.name, found.description) == ("Code review", "Bugs first")
    assert found.text == "Review:\n\n{{file:change.diff}}"


def test_a_markdown_file_without_a_header_is_named_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "Weekly report.md"
    path.write_text("Summarise {{selection}}\n", encoding="utf-8")
    found = read_prompt_file(path)
    assert (found.name, found.text) == ("Weekly report", "Summarise {{selection}}")


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "holds no prompt text"),
    (b"---\nname: Empty\n---\n\n", "holds no prompt text"),
    (b"\x00\x01binary", "is not a text file"),
    ("caf\u00e9".encode("latin-1"), "is not UTF-8 text"),
    (b"x" * (MAX_PROMPT_FILE_BYTES + 1), "can be at most 256 KiB"),
])
def test_hostile_prompt_files_are_one_sentence(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=reason):
        read_prompt_file(path)
    with pytest.raises(StoreError, match="There is no file"):
        read_prompt_file(tmp_path / "missing.md")


def test_export_writes_one_file_each_and_never_overwrites(store: ChatStore, tmp_path: Path) -> None:
    first = store.prompts.add("A/B ../test", "one")
    second = store.prompts.add("Second", "two")
    folder = tmp_path / "shared"
    written = write_prompt_files([first, second], folder)
    assert [p.name for p in written] == ["A-B-..-test.md", "Second.md"]
    assert all(p.parent == folder for p in written)
    again = write_prompt_files([second], folder)
    assert again[0].name == "Second-2.md"
    assert read_prompt_file(written[0]).name == "A/B ../test"
