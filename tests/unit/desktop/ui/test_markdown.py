"""Markdown rendering for the transcript (Qt-free) and the settled/tail split used while streaming."""

from desktop.ui.markdown import DARK_CODE, MarkdownRenderer


def settled(text: str) -> str:
    return text[: MarkdownRenderer().settled_length(text)]


def test_settled_stops_at_the_last_block() -> None:
    assert settled("First paragraph.\n\nSecond para\n") == "First paragraph.\n\n"
    assert settled("# Title\nText right under it\n") == "# Title\n"


def test_a_list_with_blank_lines_between_items_stays_whole() -> None:
    text = "Steps:\n\n1. Frame\n\n2. Wheels\n\n"
    assert settled(text) == "Steps:\n\n"
    assert settled(text + "After the list.\n") == text


def test_a_paragraph_that_may_still_become_a_heading_is_not_settled() -> None:
    assert settled("Intro.\n\nTitle\n") == "Intro.\n\n"
    assert settled("Intro.\n\nTitle\n=====\n") == "Intro.\n\n"


def test_nothing_inside_an_open_code_fence_is_settled() -> None:
    text = "Intro.\n\n```python\nx = 1\n\ny = 2\n"
    assert settled(text) == "Intro.\n\n"
    closed = text + "```\n\nAfter\n"
    assert settled(closed) == text + "```\n\n"


def test_an_unfinished_line_is_not_settled() -> None:
    assert settled("Para.\n\n``") == "Para.\n\n"  # the blank line closed the paragraph
    assert settled("Para.\n``") == ""  # "``" may still be the paragraph's second line
    assert settled("1. a\n\n2") == ""  # "2" may still become "2. b", the same list
    assert settled("    code\n\n") == ""  # more indented code may follow


def test_empty_cells_items_quotes_and_headings_hold_a_space() -> None:
    # Qt lays out what follows an empty element differently when the two are imported apart.
    html = MarkdownRenderer().render("| a | b |\n|---|---|\n| 1 |\n\n- a\n- \n\n>\n\n#\n").html
    assert "<td>&nbsp;</td>" in html and "<li>&nbsp;</li>" in html
    assert "<blockquote>&nbsp;</blockquote>" in html and "<h1>&nbsp;</h1>" in html


def test_lines_count_as_markdown_counts_them() -> None:
    assert settled("One.\r\n\r\nTwo.\rThree.\r\n") == "One.\r\n\r\n"


def test_single_line_breaks_are_kept() -> None:
    assert "<br />" in MarkdownRenderer().render("Roses are red,\nviolets are blue.").html


def test_link_references_are_reported() -> None:
    assert MarkdownRenderer().render("[a]\n\n[a]: https://example.org").references
    assert not MarkdownRenderer().render("[a](https://example.org)").references


def test_code_blocks_are_highlighted_and_numbered() -> None:
    rendered = MarkdownRenderer(DARK_CODE).render("```python\nprint('hi')\n```\n\n```\nplain <b>\n```", 3)
    assert rendered.code_blocks == ["print('hi')\n", "plain <b>\n"]
    assert 'href="copy:3"' in rendered.html and 'href="copy:4"' in rendered.html
    assert "color:" in rendered.html  # pygments inline styles
    assert "plain &lt;b&gt;" in rendered.html  # code is escaped, never HTML


def test_raw_html_in_answers_is_shown_not_run() -> None:
    assert "&lt;img" in MarkdownRenderer().render('<img src="http://tracker.example/x.png">').html
