"""Markdown to the HTML subset QTextDocument understands, with highlighted code blocks.

Streaming answers are rendered incrementally: text up to the last blank line outside a code
fence is "settled" and rendered once; only the tail after it is rendered again as tokens
arrive. Re-rendering a whole 2,000-token answer costs ~25 ms per update; a tail costs ~1 ms.
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

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


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


class MarkdownRenderer:
    """Renders Markdown; remembers each code block's text so its Copy link can copy it."""

    def __init__(self, style: CodeStyle = LIGHT_CODE) -> None:
        self.style = style
        self._formatter = HtmlFormatter(noclasses=True, nowrap=True, style=style.pygments_style)
        self._md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])

        # markdown-it binds render rules to its renderer, so the rule is a closure, not a method.
        def fence(_renderer: object, tokens: list[Token], idx: int, _options: object, env: dict[str, Any]) -> str:
            return self._render_fence(tokens[idx], env)

        self._md.add_render_rule("fence", fence)
        self._md.add_render_rule("code_block", fence)

    def render(self, text: str, first_code_index: int = 0) -> Rendered:
        env: dict[str, Any] = {"code_blocks": [], "first_index": first_code_index}
        body = self._md.render(text, env)
        return Rendered(body, env["code_blocks"])

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


def settled_length(text: str) -> int:
    """Length of the prefix of `text` that later tokens cannot change: everything up to the last
    blank line that is outside a fenced code block."""
    in_fence: str | None = None
    position = 0
    settled = 0
    for line in text.splitlines(keepends=True):
        position += len(line)
        if not line.endswith("\n"):
            break  # an unfinished line may still become a fence or a heading
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if in_fence is None:
                in_fence = marker[0] * 3
            elif marker.startswith(in_fence):
                in_fence = None
            continue
        if in_fence is None and not line.strip():
            settled = position
    return settled
