from __future__ import annotations

from desktop.chats import title_from_message


def test_first_line_whitespace_collapsed() -> None:
    assert title_from_message("\n\n  How do   I bake bread?\nI have flour and yeast.") == "How do I bake bread?"


def test_long_lines_are_cut_at_a_word_boundary() -> None:
    text = "Explain the difference between processes and threads in operating systems, with examples"
    title = title_from_message(text)
    assert title == "Explain the difference between processes and threads in…"
    assert len(title) <= 61
    assert text.startswith(title.removesuffix("…"))


def test_one_long_word_is_cut_hard() -> None:
    url = "https://example.com/" + "a" * 100
    assert title_from_message(url) == url[:60] + "…"


def test_markdown_heading_markers_and_empty_text() -> None:
    assert title_from_message("## Summary of the meeting") == "Summary of the meeting"
    assert title_from_message("   \n\t ") == "New chat"
    assert title_from_message("") == "New chat"
