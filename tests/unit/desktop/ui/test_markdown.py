"""Markdown rendering for the transcript (Qt-free) and the settled/tail split used while streaming."""

from desktop.ui.markdown import DARK_CODE, MarkdownRenderer, settled_length


def test_settled_stops_at_the_last_blank_line() -> None:
    text = "First paragraph.\n\nSecond para"
    assert text[: settled_length(text)] == "First paragraph.\n\n"


def test_nothing_inside_an_open_code_fence_is_settled() -> None:
    text = "Intro.\n\n```python\nx = 1\n\ny = 2\n"
    assert text[: settled_length(text)] == "Intro.\n\n"
    closed = text + "```\n\nAfter"
    assert closed[: settled_length(closed)] == text + "```\n\n"


def test_an_unfinished_line_is_not_settled() -> None:
    assert settled_length("Para.\n\n``") == len("Para.\n\n")


def test_code_blocks_are_highlighted_and_numbered() -> None:
    rendered = MarkdownRenderer(DARK_CODE).render("```python\nprint('hi')\n```\n\n```\nplain <b>\n```", 3)
    assert rendered.code_blocks == ["print('hi')\n", "plain <b>\n"]
    assert 'href="copy:3"' in rendered.html and 'href="copy:4"' in rendered.html
    assert "color:" in rendered.html  # pygments inline styles
    assert "plain &lt;b&gt;" in rendered.html  # code is escaped, never HTML


def test_raw_html_in_answers_is_shown_not_run() -> None:
    assert "&lt;img" in MarkdownRenderer().render('<img src="http://tracker.example/x.png">').html
