"""An embedding model (all-MiniLM, for document search) in the window: the model manager says what
it is for and offers no "Use"; loading it anyway is refused in one sentence that goes once a
chat model loads. (Installing one changes what searches: tests/gui/test_documents.py.)"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow
from models.library import Library

LONG = 30_000


def test_the_manager_marks_an_embedding_model_and_offers_no_use(
    window: MainWindow, qtbot: QtBot, embedding_gguf: Path
) -> None:
    Library(window.paths.models).import_file(embedding_gguf, link=True)
    tab = window.open_model_manager("installed").installed_tab
    tab.refresh()
    name = embedding_gguf.stem
    qtbot.waitUntil(lambda: tab.is_embedding(name), timeout=LONG)
    assert tab.select(name)
    row = tab.row_of(name)
    assert tab.table.item(row, 0).text().endswith("· for document search")
    assert not tab.use_button.isEnabled() and "search your documents" in tab.use_button.toolTip()
    chosen: list[Path] = []
    tab.model_chosen.connect(chosen.append)
    tab.use_selected()  # a double-click says what it is instead
    assert chosen == [] and "It cannot chat" in tab.message.text()
    assert tab.select("tiny-a") and tab.use_button.isEnabled()


def test_loading_an_embedding_model_is_refused_and_the_message_goes_with_the_next_model(
    window: MainWindow, qtbot: QtBot, embedding_gguf: Path, models_dir: Path
) -> None:
    with qtbot.waitSignal(window.bridge.model_failed, timeout=LONG):
        window.load_model(embedding_gguf)
    notice = window.view.notice
    assert notice.isVisibleTo(window.view)
    assert notice.text() == (f"Cannot use model {embedding_gguf.name}: it is an embedding model, used to search "
                             "your documents, not to chat.")
    assert window.bridge.model is not None and window.bridge.model.name == "tiny-a"  # still loaded
    assert window.header.model_selector.currentText() == "tiny-a"
    assert window.composer.send_button.isEnabled()
    with qtbot.waitSignal(window.bridge.model_loaded, timeout=LONG):
        window.load_model(models_dir / "tiny-b.gguf")
    assert not notice.isVisibleTo(window.view)

