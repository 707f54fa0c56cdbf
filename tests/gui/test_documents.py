"""Documents in the window: drop files on a chat, watch them index, get answers that cite them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow
from tests.fixtures.documents import write_pdf

LONG = 30_000


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    write_pdf(folder / "manual.pdf", ["The pump starts when the float rises.", "Clean the filter every month."])
    (folder / "notes.md").write_text("# Boiler\n\nThe pressure should read 1.5 bar.\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    return folder


def ask(window: MainWindow, qtbot: QtBot, text: str):  # type: ignore[no-untyped-def]
    window.settings_panel.fields["max_tokens"].setValue(4)
    window.composer.input.setPlainText(text)
    with qtbot.waitSignal(window.bridge.answer_finished, timeout=LONG):
        window.composer.submit()
    return window.store.thread(window.controller.conversation.id)[-1]


def test_dropped_files_index_with_progress_and_answers_cite_them(window: MainWindow, qtbot: QtBot,
                                                                 library: Path) -> None:
    panel = window.documents_panel
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(library))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.documents.indexed, timeout=LONG) as indexed:
        window.dropEvent(drop)
        assert not panel.progress_bar.isHidden()  # the progress bar shows while it indexes
    report = indexed.args[0]
    assert (report.count("indexed"), len(report.failures)) == (2, 1)
    assert panel.progress_bar.isHidden()
    assert "Indexed 2 files; 1 could not be read" in panel.report_label.text()
    assert "broken.pdf: the PDF is damaged or incomplete" in panel.failures_text()
    conversation = window.controller.conversation
    assert conversation is not None and conversation.title == "Documents: library"
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=LONG)
    assert panel.list.item(0).text() == "Files in this chat (2 files)"
    assert panel.attached_ids

    answer = ask(window, qtbot, "How often should the filter be cleaned?")
    citations = answer.stats["citations"]
    assert citations[0]["file_name"] == "manual.pdf" and citations[0]["page"] == 2
    widget = window.view.widgets[answer.id]
    assert "manual.pdf" in widget.sources_label.text() and "page 2" in widget.sources_label.text()
    assert "Keyword search only" not in widget.notice_label.text()  # the starter embedding model, offline
    assert panel.mode_label.text() == "Search by keywords and meaning: all-MiniLM-L6-v2 (starter)"


def test_a_named_collection_ticked_for_a_new_chat_grounds_its_answers(window: MainWindow, qtbot: QtBot,
                                                                      library: Path) -> None:
    panel = window.documents_panel
    with qtbot.waitSignal(window.documents.indexed, timeout=LONG):
        panel.add_collection("Home", [library / "notes.md"])
    qtbot.waitUntil(lambda: panel.list.count() == 1 and "Home" in panel.list.item(0).text(), timeout=LONG)
    panel.list.item(0).setCheckState(Qt.CheckState.Checked)  # before the chat exists
    answer = ask(window, qtbot, "What pressure should the boiler read?")
    assert [c["file_name"] for c in answer.stats["citations"]] == ["notes.md"]
    conversation = window.controller.conversation.id
    attached: list[object] = []
    window.documents.call(lambda index: [c.name for c in index.attached(conversation)], attached.append)
    qtbot.waitUntil(lambda: bool(attached), timeout=LONG)
    assert attached == [["Home"]]


def test_stopping_while_documents_are_searched_asks_nothing(window: MainWindow, qtbot: QtBot, library: Path) -> None:
    panel = window.documents_panel
    with qtbot.waitSignal(window.documents.indexed, timeout=LONG):
        window.add_documents([library / "notes.md"])
    qtbot.waitUntil(lambda: bool(panel.attached_ids), timeout=LONG)
    window.composer.input.setPlainText("Boiler?")
    window.composer.submit()
    window.controller.stop()  # the search is still queued on the documents thread
    answer = window.store.thread(window.controller.conversation.id)[-1]
    assert answer.status == "cancelled" and not window.controller.busy


def test_an_embedding_model_installed_later_embeds_the_collections_in_the_background(
    window: MainWindow, qtbot: QtBot, library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: after importing an embedding model the sidebar still said "Keyword search only",
    and collections kept 0 vectors until their folders were added again."""
    from desktop.documents import embedder
    from models.library import starter_embedding_path

    panel = window.documents_panel
    monkeypatch.setattr(embedder, "starter_embedding_path", lambda _folder: None)  # no starter package
    panel.embedding_models_changed()
    qtbot.waitUntil(lambda: "Keyword search only" in panel.mode_label.text(), timeout=LONG)
    with qtbot.waitSignal(window.documents.indexed, timeout=LONG):
        panel.add_collection("Home", [library])

    def vectors() -> int:
        found: list[int] = []
        window.documents.call(lambda index: index.conn.execute("SELECT count(*) FROM vectors").fetchone()[0],
                              found.append)
        qtbot.waitUntil(lambda: bool(found), timeout=LONG)
        return found[0]

    assert vectors() == 0
    model = starter_embedding_path(tmp_path / "made")  # the user imports an embedding model
    assert model is not None
    imported = tmp_path / "mine" / "all-MiniLM-L6-v2.F16.gguf"
    imported.parent.mkdir()
    imported.write_bytes(model.read_bytes())
    assert window.model_services is not None
    window.model_services.library.import_file(imported, link=True)
    shown: list[bool] = []
    window.documents.progress.connect(lambda progress: shown.append(not panel.progress_bar.isHidden()))
    with qtbot.waitSignal(window.documents.indexed, timeout=LONG) as embedded:
        window._on_model_manager_library_changed()  # what the model manager's import signals
    report = embedded.args[0]
    assert report.embedded_only and report.count("indexed") == 2
    assert any(shown)  # the usual progress bar
    assert panel.mode_label.text() == "Search by keywords and meaning: all-MiniLM-L6-v2"
    assert "semantic search added to 2 files" in panel.report_label.text()
    assert vectors() > 0
