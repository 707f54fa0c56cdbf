"""A damaged chat database at start: the window asks before moving it aside, keeps it, starts fresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.chats import ChatStore
from desktop.ui.application import offer_fresh_start


@pytest.mark.parametrize("agreed", [True, False], ids=["moved-aside", "left-alone"])
def test_offer_fresh_start(qtbot: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, agreed: bool) -> None:
    path = tmp_path / "chats.sqlite3"
    ChatStore(path).close()
    before = path.read_bytes()
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_buttons: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes if agreed else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    assert offer_fresh_start("The chat database is damaged.", path) is agreed
    assert "chats.sqlite3.damaged-N" in asked[0]
    kept = tmp_path / "chats.sqlite3.damaged-1"
    assert kept.exists() is agreed
    assert (kept if agreed else path).read_bytes() == before
