"""Remote models in the real window: Model manager → Remote adds Hearth's own server on 127.0.0.1
(a tiny model behind real HTTP), the header offers its model with a "remote · host" badge, and the
conversation flow answers through it: streaming, stop, regenerate, statistics."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.server import LocalServer
from desktop.ui.main_window import MainWindow
from models.engine import Engine, EngineSettings, EngineWorker, ModelInfo
from tests.fixtures.remote_engines import hearth_engine
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

LONG = 60_000


@pytest.fixture
def served(tmp_path: Path) -> Iterator[LocalServer]:
    path = write_tiny_model(tmp_path / "far-model.gguf", TinyModelSpec(context_length=8192, seed=3))
    worker = EngineWorker(Engine(EngineSettings(threads=1)))
    done = threading.Event()
    result: list[object] = []
    worker.load(path, lambda info: (result.append(info), done.set()),
                lambda message, _still: (result.append(message), done.set()))
    assert done.wait(240) and isinstance(result[0], ModelInfo), result
    with hearth_engine(worker, tmp_path) as server:
        yield server
    worker.shutdown()


def add_endpoint(window: MainWindow, qtbot: QtBot, url: str) -> object:
    manager = window.open_model_manager("remote")
    tab = manager.remote_tab
    assert tab is not None and manager.tabs.currentWidget() is tab
    qtbot.keyClicks(tab.name, "box")
    qtbot.keyClicks(tab.url, url)
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.tree.topLevelItemCount() == 1 and tab.tree.topLevelItem(0).childCount() >= 1,
                    timeout=LONG)
    return tab


def wait_answer(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=LONG)


def test_a_remote_model_answers_in_the_window(window: MainWindow, qtbot: QtBot, served: LocalServer) -> None:
    assert served.url is not None and served.port is not None
    tab = add_endpoint(window, qtbot, served.url)
    endpoint_item = tab.tree.topLevelItem(0)  # type: ignore[attr-defined]
    model_item = next(endpoint_item.child(i) for i in range(endpoint_item.childCount())
                      if "far-model" in endpoint_item.child(i).text(0))
    host = f"127.0.0.1:{served.port}"
    assert "far-model" in model_item.text(0) and f"remote · {host}" in model_item.text(0)

    # The header offers it beside the local models, with its badge.
    selector = window.header.model_selector
    qtbot.waitUntil(lambda: any("remote · " in selector.itemText(i) for i in range(selector.count())), timeout=LONG)
    index = next(i for i in range(selector.count())
                 if f"remote · {host}" in selector.itemText(i) and "far-model" in selector.itemText(i))
    selector.setCurrentIndex(index)
    selector.activated.emit(index)
    assert window.router.remote is not None
    assert window.header.status_label.text() == (
        f"Answers come from {host}; your messages and attached passages are sent there.")
    assert f"sent to {host}" in window.view.placeholder.text()  # no more "stays on this computer"

    # An answer streams from the remote engine and keeps its statistics.
    window.settings_panel.fields["max_tokens"].setValue(6)
    window.composer.input.setPlainText("Hello far away")
    window.composer.submit()
    wait_answer(window, qtbot)
    thread = window.store.thread(window.controller.conversation.id)
    answer = thread[-1]
    assert answer.status == "complete" and answer.content and answer.model == "remote:box/far-model"
    assert answer.stats and answer.stats["generated_tokens"] == 6 and answer.stats["prompt_tokens"] > 0
    widget = window.view.widgets[answer.id]
    assert "tok/s" in widget.stats_label.text()

    # Regenerate: the old answer stays as an alternative.
    window.controller.regenerate(answer.id)
    wait_answer(window, qtbot)
    assert len(window.store.alternatives(answer.id)) == 2

    # Stop closes the stream and keeps the partial answer.
    window.settings_panel.fields["max_tokens"].setValue(4000)
    window.composer.input.setPlainText("Go on and on")
    window.composer.submit()
    qtbot.waitUntil(lambda: bool(window.controller.answers.streaming and window.controller.answers.streaming[1]),
                    timeout=LONG)
    qtbot.mouseClick(window.composer.send_button, Qt.MouseButton.LeftButton)
    wait_answer(window, qtbot)
    stopped = window.store.thread(window.controller.conversation.id)[-1]
    assert stopped.status == "cancelled" and stopped.content
    qtbot.waitUntil(lambda: served.status().requests == 0, timeout=LONG)

    # Choosing a local model again hands the conversation back to the local engine.
    with qtbot.waitSignal(window.bridge.model_loaded, timeout=LONG):
        window.load_model(window.models[0][1])
    assert window.router.remote is None
    assert "stays on this computer" in window.view.placeholder.text()


def test_offline_mode_refuses_a_remote_model_in_plain_words(window: MainWindow, qtbot: QtBot) -> None:
    window.remote.remote.endpoints.add("far", "https://llm.example.org/v1")
    window.apply_settings(window.settings.with_changes(offline=True))
    assert window.remote.use("remote:far/big-model")  # chosen; the refusal comes with the first answer
    window.composer.input.setPlainText("Hello")
    window.composer.submit()
    wait_answer(window, qtbot)
    answer = window.store.thread(window.controller.conversation.id)[-1]
    assert answer.status == "failed"
    assert "Offline mode is on, so Hearth does not connect to llm.example.org" in window.view.notice.text()


def test_documents_ground_a_remote_answer_after_asking_once(window: MainWindow, qtbot: QtBot,
                                                            tmp_path: Path) -> None:
    import json

    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from tests.fixtures.remote_engines import chunk, fake_engine, models_list, streams

    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "notes.md").write_text("# Boiler\n\nThe pressure should read 1.5 bar.\n")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(folder))])
    with qtbot.waitSignal(window.documents.indexed, timeout=LONG):
        window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                                    Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: bool(window.documents_panel.attached_ids), timeout=LONG)
    with fake_engine() as engine:
        engine.scripts["/v1/models"] = models_list("big")
        engine.scripts["/v1/chat/completions"] = streams(chunk("It reads 1.5 bar [1].", finish="stop"))
        window.remote.remote.endpoints.add("gpu", engine.url)
        assert window.remote.use("remote:gpu/big")
        questions: list[str] = []
        answers = [False, True]
        window.remote.confirm = lambda _title, text: (questions.append(text), answers.pop(0))[1]

        window.composer.input.setPlainText("What should the boiler pressure read?")
        window.composer.submit()
        assert len(questions) == 1 and "sends the passages it finds" in questions[0]
        assert not [r for r in engine.requests if r[1].endswith("/chat/completions")]
        assert window.composer.input.toPlainText() == "What should the boiler pressure read?"

        window.composer.submit()  # agreed this time
        wait_answer(window, qtbot)
        sent = json.loads([r for r in engine.requests if r[1].endswith("/chat/completions")][-1][3])
        assert "1.5 bar" in json.dumps(sent["messages"])  # the passage went with the prompt
        answer = window.store.thread(window.controller.conversation.id)[-1]
        assert answer.status == "complete" and answer.stats and answer.stats["citations"]

        window.composer.input.setPlainText("And when cold?")
        window.composer.submit()
        wait_answer(window, qtbot)
        chats = [r for r in engine.requests if r[1].endswith("/chat/completions")]
        assert len(questions) == 2 and len(chats) == 2  # asked once for this chat, not again
