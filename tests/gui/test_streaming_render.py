"""An answer that streams in must end up exactly as a full render of its final text shows it,
however its tokens were cut: the streamed document equals the reopened one."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QTextCursor, QTextDocument, QTextFormat
from pytestqt.qtbot import QtBot

from desktop.chats import Message
from desktop.ui import message_body
from desktop.ui.main_window import MainWindow
from desktop.ui.markdown import MarkdownRenderer
from desktop.ui.message_widget import MessageWidget
from models.cancel import CancelToken
from models.engine import GenerationStats

BLOCKS = [
    "Here is the plan for the operation.\n**Bike Parts List:**\n",
    "1. Frame\n2. Wheels\n3. Chain\n",
    "1. First step, with a longer sentence.\n\n2. Second step.\n\n3. Third step.\n",
    "- apples\n  - green\n  - red\n- pears\n\n  A second paragraph in the item.\n- plums\n",
    "## Heading after a list\n",
    "Setext heading\n==============\n",
    "A paragraph\nthat goes on\nfor three lines.\n",
    "Roses are red,  \nviolets are blue,  \nsugar is sweet,\\\nand so are you.\n",
    "| name | cost |\n|------|-----:|\n| append | O(1) |\n| insert | O(n) |\n",
    "```python\ndef reverse(text: str) -> str:\n\n    return text[::-1]\n```\n",
    "~~~\nplain <b>code</b>\n~~~\n",
    "    indented code\n    more code\n",
    "> A quote\n> that continues\n>\n> - with a list\n",
    "---\n",
    "Some *emphasis*, **strong**, `code`, ~~gone~~ and a [link](https://example.org).\n",
    "3. starts at three\n4. four\n",
    "* star item\n\n* another, loose\n",
    "Term with trailing spaces   \n",
    "Escapes: \\*not emphasis\\* and 1\\. not a list.\n",
    "| a | b |\n|---|---|\n| only one cell |\n",
    "- one\n- \n",
    "> \n",
    "- a list item with code:\n  ```\n  x = 1\n  ```\n",
    "Windows line ends\r\nand more\r\n\r\n- item\r\n",
]


def documents(count: int, seed: int) -> list[str]:
    """Markdown documents built from the blocks above, joined by zero to two blank lines, so
    blocks also run into each other (a list continued, a paragraph that turns into a heading)."""
    rng = random.Random(seed)
    docs = []
    for _ in range(count):
        parts = rng.sample(BLOCKS, rng.randint(3, 7))
        doc = "".join(part + "\n" * rng.choice((0, 1, 1, 2)) for part in parts)
        if rng.random() < 0.3:
            doc = f"<think>\nLet me think about {parts[0][:20]}.\n\nStill thinking.\n</think>\n\n{doc}"
        docs.append(doc.rstrip("\n") if rng.random() < 0.5 else doc)
    return docs


def structure(document: QTextDocument) -> list[tuple[Any, ...]]:
    """Everything Qt lays out, block by block: text, block and character formats, the list and
    table cell a block belongs to, and each run of text with its format. (toHtml() alone is not
    enough: it leaves out empty blocks after tables and some formats.)"""
    index = QTextFormat.Property.ObjectIndex.value

    def props(fmt: QTextFormat) -> dict[int, Any]:
        return {k: v for k, v in fmt.properties().items() if k != index}  # object numbers may differ

    lists: dict[int, int] = {}
    tables: dict[int, int] = {}
    blocks = []
    block = document.begin()
    while block.isValid():
        cursor = QTextCursor(block)
        table = cursor.currentTable()
        cell = None
        if table is not None:
            table_cell = table.cellAt(cursor)
            cell = (tables.setdefault(table.objectIndex(), len(tables)), table_cell.row(), table_cell.column(),
                    props(table.format()), props(table_cell.format()))
        text_list = block.textList()
        item = None
        if text_list is not None:
            item = (lists.setdefault(text_list.objectIndex(), len(lists)), props(text_list.format()),
                    text_list.itemNumber(block))
        runs = []
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            runs.append((fragment.text(), props(fragment.charFormat())))
            fragments += 1
        blocks.append((block.text(), props(block.blockFormat()), props(block.charFormat()), item, cell, runs))
        block = block.next()
    return blocks


def same_document(one: QTextDocument, other: QTextDocument) -> bool:
    return snapshot(one) == snapshot(other)


def snapshot(document: QTextDocument) -> tuple[str, list[tuple[Any, ...]]]:
    return document.toHtml(), structure(document)


def tokens(text: str, rng: random.Random) -> list[str]:
    pieces, at = [], 0
    while at < len(text):
        step = rng.choice((1, 1, 2, 3, 5, 8, 13))
        pieces.append(text[at : at + step])
        at += step
    return pieces


@pytest.fixture
def render_every_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """No throttling: every piece is rendered, so every intermediate split is exercised."""
    monkeypatch.setattr(message_body, "MIN_RENDER_GAP_S", 0.0)
    monkeypatch.setattr(message_body, "RENDER_GAP_FACTOR", 0)


def answer_row(content: str, status: str = "complete") -> Message:
    return Message(id=1, conversation_id=1, parent_id=None, role="assistant", content=content, model="canned",
                   settings=None, stats=None, status=status, created_at=0.0, updated_at=0.0)


def test_streamed_markdown_ends_as_a_full_render(qtbot: QtBot, render_every_token: None) -> None:
    renderer = MarkdownRenderer()
    rng = random.Random(13)
    for doc in documents(36, seed=7):
        streamed = MessageWidget(answer_row("", "streaming"), renderer)
        qtbot.addWidget(streamed)
        streamed.begin_stream()
        for piece in tokens(doc, rng):
            streamed.append_stream(piece)
        streamed.show_message(answer_row(doc))
        reopened = MessageWidget(answer_row(doc), renderer)
        qtbot.addWidget(reopened)
        assert same_document(streamed.body.document(), reopened.body.document()), doc
        assert streamed.thinking_button.text() == reopened.thinking_button.text()
        assert [streamed.body.code_block(i) for i in range(4)] == [reopened.body.code_block(i) for i in range(4)]


def test_list_items_and_paragraphs_stay_apart_while_streaming(qtbot: QtBot, render_every_token: None) -> None:
    """What a reader sees mid-answer: the list after the paragraph is a list of three items."""
    body = message_body.MessageBody(MarkdownRenderer())
    qtbot.addWidget(body)
    body.begin_stream()
    text = "The operation is simple.\n\n1. Frame\n\n2. Wheels\n\n3. Chain\n\n**Bike Parts List:**\n\nSpokes"
    for end in range(1, len(text) + 1):
        body.update_stream(text[:end])
    lines = body.toPlainText().split("\n")
    assert lines[:4] == ["The operation is simple.", "Frame", "Wheels", "Chain"]
    ordered = body.document().findBlockByNumber(1).textList()
    assert ordered is not None and ordered.count() == 3


def test_a_link_reference_defined_at_the_end_links_text_before_it(qtbot: QtBot, render_every_token: None) -> None:
    body = message_body.MessageBody(MarkdownRenderer())
    qtbot.addWidget(body)
    body.begin_stream()
    text = "See [the docs].\n\nMore text.\n\n[the docs]: https://example.org\n"
    for end in range(1, len(text) + 1):
        body.update_stream(text[:end])
    body.finish_stream(text)
    assert 'href="https://example.org"' in body.toHtml()


class CannedEngine:
    """Answers every question with one fixed Markdown text, a few characters at a time, on the
    GUI thread's timer (as the window's bridge delivers an engine's text)."""

    def __init__(self, text: str, model: str) -> None:
        self.text, self.model_name = text, model

    def answer(self, messages: Sequence[Mapping[str, str]], settings: Mapping[str, Any],
               on_text: Callable[[str], None], on_done: Callable[[GenerationStats], None],
               on_error: Callable[[str], None]) -> CancelToken:
        pieces = tokens(self.text, random.Random(3))

        def next_piece() -> None:
            if pieces:
                on_text(pieces.pop(0))
                QTimer.singleShot(0, next_piece)
            else:
                on_done(GenerationStats(10, 10, 50, 0.01, 100.0, 100.0, 0.5, "stop", 0))

        QTimer.singleShot(0, next_piece)
        return CancelToken()


def test_the_streamed_answer_looks_as_it_does_when_the_chat_is_reopened(
    window: MainWindow, qtbot: QtBot, render_every_token: None
) -> None:
    text = documents(1, seed=11)[0] + "\n\n1. one\n\n2. two\n\nDone.\n"
    window.controller.answers.engine = CannedEngine(text, "canned")
    window.composer.input.setPlainText("Plan my bike repair")
    window.composer.submit()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=20_000)
    conversation = window.controller.conversation
    assert conversation is not None
    answer = window.store.thread(conversation.id)[-1]
    assert answer.content == text
    streamed = snapshot(window.view.widgets[answer.id].body.document())
    window.controller.new_conversation()
    window.controller.open_conversation(conversation.id)
    assert snapshot(window.view.widgets[answer.id].body.document()) == streamed


def test_text_that_changes_behind_the_settled_part_is_rendered_afresh(qtbot: QtBot, render_every_token: None) -> None:
    body = message_body.MessageBody(MarkdownRenderer())
    qtbot.addWidget(body)
    body.begin_stream()
    body.update_stream("First paragraph.\n\nSecond paragraph.\n\nThird")
    body.update_stream("Other words.\n\nMore")
    assert body.toPlainText().split("\n") == ["Other words.", "More"]
