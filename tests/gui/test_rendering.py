"""What answers look like: Markdown, highlighted code with Copy, Thinking sections, long chats."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.ui.conversation_view import PAGE
from desktop.ui.main_window import MainWindow

ANSWER = """<think>
The user wants code. I will write a function.
</think>

## Reversing a string

Use **slicing**:

```python
def reverse(text: str) -> str:
    return text[::-1]
```

| input | output |
|-------|--------|
| abc   | cba    |
"""


def open_with(window: MainWindow, *messages: tuple[str, str]) -> int:
    conversation = window.store.create_conversation(title="Rendering")
    for role, content in messages:
        window.store.add_message(conversation.id, role, content)
    window.controller.open_conversation(conversation.id)
    return conversation.id


def test_markdown_code_and_copy(window: MainWindow, qtbot: QtBot) -> None:
    conversation = open_with(window, ("user", "Reverse a string"), ("assistant", ANSWER))
    answer = window.store.thread(conversation)[-1]
    widget = window.view.widgets[answer.id]
    text = widget.body.toPlainText()
    assert "Reversing a string" in text and "def reverse" in text and "cba" in text
    assert "<think>" not in text and "I will write a function" not in text
    html = widget.body.toHtml()
    assert "font-weight:700" in html or "font-weight:600" in html  # heading and bold rendered
    assert "color:#" in html  # pygments colours in the code block
    widget.body.anchorClicked.emit(QUrl("copy:0"))
    assert QGuiApplication.clipboard().text() == "def reverse(text: str) -> str:\n    return text[::-1]\n"


def test_thinking_is_collapsed_and_opens(window: MainWindow, qtbot: QtBot) -> None:
    conversation = open_with(window, ("user", "Reverse a string"), ("assistant", ANSWER))
    widget = window.view.widgets[window.store.thread(conversation)[-1].id]
    assert not widget.thinking_button.isHidden()
    assert widget.thinking_button.text() == "Thought for 9 words"
    assert widget.thinking_body.isHidden()
    widget.thinking_button.click()
    assert not widget.thinking_body.isHidden()
    assert "I will write a function." in widget.thinking_body.toPlainText()


def test_streaming_renders_incrementally_and_ends_whole(window: MainWindow, qtbot: QtBot) -> None:
    conversation = open_with(window, ("user", "Reverse a string"))
    answer = window.store.add_message(conversation, "assistant", "", status="streaming")
    widget = window.view.append_message(answer)
    widget.begin_stream()
    for piece in [ANSWER[i : i + 7] for i in range(0, len(ANSWER), 7)]:
        widget.append_stream(piece)
    qtbot.waitUntil(lambda: "cba" in widget.body.toPlainText(), timeout=2000)
    assert "Thought for 9 words" in widget.thinking_button.text()
    assert widget.body.code_block(0).startswith("def reverse")


def test_long_conversations_open_with_the_newest_page(window: MainWindow, qtbot: QtBot) -> None:
    messages = [("user" if i % 2 == 0 else "assistant", f"message {i}") for i in range(150)]
    open_with(window, *messages)
    assert len(window.view.widgets) == PAGE
    assert not window.view.earlier_button.isHidden()
    shown = sorted(w.message.content for w in window.view.widgets.values())
    assert "message 149" in shown and "message 109" not in shown
    window.view.earlier_button.click()
    assert len(window.view.widgets) == 2 * PAGE
    assert any(w.message.content == "message 70" for w in window.view.widgets.values())


def test_interrupted_answers_say_so(window: MainWindow, qtbot: QtBot) -> None:
    conversation = open_with(window, ("user", "Hi"))
    window.store.add_message(conversation, "assistant", "Half an ans", status="interrupted")
    window.controller.open_conversation(conversation)
    widget = window.view.widgets[window.store.thread(conversation)[-1].id]
    assert "Interrupted" in widget.notice_label.text()
