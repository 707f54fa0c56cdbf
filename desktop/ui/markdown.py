"""Markdown to the HTML subset QTextDocument understands, with highlighted code blocks.

Streaming answers are rendered incrementally: every top-level block but the last one (a
paragraph, a whole list, a table, a fenced code block...) is "settled" and rendered once; only
the tail from the last block on is rendered again as tokens arrive. Re-rendering a whole
2,000-token answer costs ~25 ms per update; a tail costs ~1 ms.

A block is settled only once the parser has started another top-level block after it on a
complete line, or once a blank line has closed it (a blank line does not close a list or an
indented code block): by CommonMark's block algorithm a closed block never changes again, so
rendering the settled blocks one by one gives exactly the HTML of rendering them together (a list whose
items are separated by blank lines stays one list; a paragraph underlined later becomes a
heading, because it is still the last block). The exception is a link reference definition,
which can change a link anywhere before it: `Rendered.references` says when one was seen.
Empty table cells, list items, quotes and headings hold a non-breaking space: Qt's HTML import
lays out what follows an empty element differently when the two arrive in separate pieces.
Single line breaks are kept (`breaks`): models write poems and addresses line by line.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_NEWLINE = re.compile(r"\r\n?|\n")
# Blocks that a line after a blank line can still belong to (a loose list's next item, more
# indented code); every other block is closed by a blank line.
_GO_ON_AFTER_A_BLANK_LINE = frozenset({"bullet_list_open", "ordered_list_open", "code_block"})


@dataclass(frozen=True)
class CodeStyle:
    pygments_style: str
    background: str
    border: str
    link: str


LIGHT_CODE = CodeStyle("friendly", "#f4f5f7", "#d9dce1", "#2f6fd6")
DARK_CODE = CodeStyle("monokai", "#1f2126", "#3a3d44", "#7aa7ff")


@dataclass
class Rendered:
    html: str
    code_blocks: list[str] = field(default_factory=list)
    references: bool = False  # the text defines a link reference (`[label]: url`)


class MarkdownRenderer:
    """Renders Markdown; remembers each code block's text so its Copy link can copy it."""

    def __init__(self, style: CodeStyle = LIGHT_CODE) -> None:
        self.style = style
        self._formatter = HtmlFormatter(noclasses=True, nowrap=True, style=style.pygments_style)
        self._md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
            ["table", "strikethrough"]
        )

        # markdown-it binds render rules to its renderer, so the rule is a closure, not a method.
        def fence(_renderer: object, tokens: list[Token], idx: int, _options: object, env: dict[str, Any]) -> str:
            return self._render_fence(tokens[idx], env)

        self._md.add_render_rule("fence", fence)
        self._md.add_render_rule("code_block", fence)
        for closing in _FILLED_WHEN_EMPTY:
            self._md.add_render_rule(closing, _close_filled)

    def render(self, text: str, first_code_index: int = 0) -> Rendered:
        env: dict[str, Any] = {"code_blocks": [], "first_index": first_code_index}
        body = self._md.render(text, env)
        return Rendered(body, env["code_blocks"], bool(env.get("references")))

    def settled_length(self, text: str) -> int:
        """Length of the prefix of `text` that later text cannot change: up to the start of the
        last top-level block that begins on a complete line, or past it once a blank line closed
        it for good (see the module's docstring)."""
        # Line starts as markdown-it counts lines (it reads "\r\n" and a lone "\r" as "\n").
        line_starts = [0] + [match.end() for match in _NEWLINE.finditer(text)]
        complete_lines = len(line_starts) - 1
        if complete_lines == 0:
            return 0
        blocks = [token for token in self._md.parse(text[: line_starts[-1]], {})
                  if token.level == 0 and token.nesting >= 0 and token.map is not None]
        if not blocks:
            return 0
        last = blocks[-1]
        assert last.map is not None
        ends_blank = not text[line_starts[-2] : line_starts[-1]].strip()
        if ends_blank and last.map[1] < complete_lines and last.type not in _GO_ON_AFTER_A_BLANK_LINE:
            return line_starts[-1]
        return line_starts[last.map[0]]

    def _render_fence(self, token: Token, env: dict[str, Any]) -> str:
        language = token.info.strip().split()[0] if token.info.strip() else ""
        code = token.content
        index = env["first_index"] + len(env["code_blocks"])
        env["code_blocks"].append(code)
        body = self._highlight(code.rstrip("\n"), language)
        label = html.escape(language) if language else "code"
        style = self.style
        # QTextDocument ignores most CSS on <pre>; a one-cell table carries the background and border.
        return (
            f'<table width="100%" cellspacing="0" cellpadding="6" '
            f'style="background-color:{style.background}; border: 1px solid {style.border}; margin: 4px 0;">'
            f'<tr><td><span style="font-size: small; color: gray;">{label}</span>&nbsp;&nbsp;'
            f'<a href="copy:{index}" style="font-size: small; color: {style.link};">Copy</a>'
            f'<pre style="margin: 2px 0 0 0;">{body}</pre></td></tr></table>'
        )

    def _highlight(self, code: str, language: str) -> str:
        lexer = _lexer(language.lower()) if language else None
        if lexer is None:
            return html.escape(code)
        highlighted: str = highlight(code, lexer, self._formatter)
        return highlighted.rstrip("\n")


@functools.lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    """Finding a lexer by name scans pygments' registry (~1 ms); answers reuse a few languages."""
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None


COMMON_LANGUAGES = ("python", "bash", "javascript", "typescript", "json", "html", "css", "sql", "c", "cpp",
                    "rust", "go", "java", "yaml")


def warm_up_lexers() -> None:
    """Compile the common lexers' patterns before the first answer needs them: pygments compiles
    a lexer's regular expressions on first use, ~20-40 ms each, which would land as a stall in
    the middle of a streaming answer. Meant for a background thread at start."""
    formatter = HtmlFormatter(noclasses=True, nowrap=True)
    for language in COMMON_LANGUAGES:
        lexer = _lexer(language)
        if lexer is not None:
            highlight("x = 1\n", lexer, formatter)


# Qt lays out what follows an empty element (an empty table cell, list item, quote or heading)
# differently when the two are imported apart than together; with a space in it, the same.
_FILLED_WHEN_EMPTY = ("td_close", "th_close", "list_item_close", "blockquote_close", "heading_close")


def _close_filled(renderer: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    before = tokens[idx - 1]
    empty = before.nesting == 1 or (before.type == "inline" and not before.content.strip())
    closing: str = renderer.renderToken(tokens, idx, options, env)
    return "&nbsp;" + closing if empty else closing
