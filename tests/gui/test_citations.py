"""Citation numbers in an answer's text are links to the sources listed under it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QTextCursor
from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow

ANSWER = """The filter is cleaned every month [1], and the pump starts when the float rises [2].

Indexing a list, as in `items[1]`, is not a citation, nor is a number without a source [7].

```python
first = items[1]
```
"""


def _citation(number: int, path: Path, location: str) -> dict[str, object]:
    return {"number": number, "chunk_id": number, "path": str(path), "file_name": path.name, "page": number,
            "heading": None, "line": None, "location": location, "snippet": "..."}


def _anchors(window: MainWindow, message_id: int) -> dict[str, str]:
    """Each linked text of the answer's document and where it points."""
    document = window.view.widgets[message_id].body.document()
    links = {}
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.charFormat().isAnchor():
                links[f"{block.text()[:12]}:{fragment.text()}"] = fragment.charFormat().anchorHref()
            fragments += 1
        block = block.next()
    return links


def test_citation_numbers_in_the_answer_open_their_sources(window: MainWindow, qtbot: QtBot, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    manual, notes = tmp_path / "manual.pdf", tmp_path / "notes.md"
    conversation = window.store.create_conversation(title="Cited")
    window.store.add_message(conversation.id, "user", "How do I keep the pump working?")
    answer = window.store.add_message(conversation.id, "assistant", ANSWER, stats={
        "citations": [_citation(1, manual, "page 1"), _citation(2, notes, "page 2")]})
    window.controller.open_conversation(conversation.id)
    qtbot.waitUntil(lambda: answer.id in window.view.widgets)

    links = _anchors(window, answer.id)
    cited = {text.split(":", 1)[1]: href for text, href in links.items() if href.startswith("cite:")}
    assert cited == {"[1]": "cite:1", "[2]": "cite:2"}  # not items[1] in code, not [7] with no source

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    widget = window.view.widgets[answer.id]
    body = widget.body
    qtbot.waitUntil(body.isVisible, timeout=5000)
    window.view.ensureWidgetVisible(body)
    cursor = body.document().find("[2]")
    middle = QTextCursor(cursor)
    middle.setPosition(cursor.selectionStart() + 1)
    point = body.cursorRect(middle).center()
    with qtbot.waitSignal(widget.citation_opened, timeout=5000) as clicked:
        qtbot.mouseClick(body.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert clicked.args == [2]
    assert opened == [QUrl.fromLocalFile(str(notes))]
