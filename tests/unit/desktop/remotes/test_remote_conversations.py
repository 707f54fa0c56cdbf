"""A remote model in the Qt-free conversation flow (desktop.chats.Conversations): the same send,
regenerate, stop and documents grounding as a local one; a cut stream keeps what came."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.chats import ChatStore, Conversations
from desktop.remotes import RemoteEngine, RemoteModelRef
from models.remote import RemoteClient, Timeouts, parse_endpoint_url
from tests.fixtures.remote_engines import FakeHandler, FakeServer, chunk, fake_engine, streams

SECRET_KEY = "sk-never-in-the-database"


class Pump:
    """Callbacks from the answer's thread, run on the test's thread (as the window's relay does)."""

    def __init__(self) -> None:
        self.calls: queue.Queue[Callable[[], None]] = queue.Queue()

    def until(self, condition: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "the answer did not end in time"
            with contextlib.suppress(queue.Empty):
                self.calls.get(timeout=0.05)()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ChatStore]:
    opened = ChatStore(tmp_path / "chats.sqlite3")
    yield opened
    opened.close()


@pytest.fixture
def engine() -> Iterator[FakeServer]:
    with fake_engine() as server:
        yield server


def remote(server: FakeServer, pump: Pump, **timeouts: float) -> RemoteEngine:
    client = RemoteClient(parse_endpoint_url(server.url), SECRET_KEY, timeouts=Timeouts(**timeouts))
    return RemoteEngine(client, RemoteModelRef("gpu", "big/model"), pump.calls.put)


class Passages:
    """A Grounding that found one passage (what desktop.documents would hand over)."""

    def ground(self, question: str, history: list[dict[str, str]], system_prompt: str,
               on_done: Callable[[list[dict[str, str]], dict[str, Any]], None]) -> None:
        on_done([{"role": "system", "content": "Source [1]: the lighthouse is red."}, *history,
                 {"role": "user", "content": question}], {"citations": [{"n": 1, "file": "notes.txt"}]})


def test_send_with_documents_regenerate_and_the_key_stays_out(store: ChatStore, engine: FakeServer,
                                                               tmp_path: Path) -> None:
    engine.scripts["/v1/chat/completions"] = streams(chunk(reasoning="Look it up."), chunk("It is red [1]."),
                                                     chunk(finish="stop"),
                                                     usage={"prompt_tokens": 20, "completion_tokens": 5})
    pump = Pump()
    flow = Conversations(store, remote(engine, pump))
    conversation = store.create_conversation("Lighthouse", settings={"temperature": 0.1, "max_tokens": 50})
    _user, answer = flow.send(conversation, "What colour is the lighthouse?", Passages())
    pump.until(lambda: not flow.busy)
    saved = store.get_message(answer.id)
    assert saved.status == "complete" and saved.model == "remote:gpu/big/model"
    assert saved.content == "<think>Look it up.</think>It is red [1]."
    assert saved.stats and saved.stats["generated_tokens"] == 5 and saved.stats["citations"]
    sent = json.loads(engine.requests[-1][3])
    assert sent["messages"][0]["content"] == "Source [1]: the lighthouse is red."  # the passage went along
    assert (sent["temperature"], sent["max_tokens"]) == (0.1, 50)

    again = flow.regenerate(answer.id)
    pump.until(lambda: not flow.busy)
    assert store.get_message(again.id).status == "complete" and len(store.alternatives(answer.id)) == 2
    # Reasoning is not sent back: the history holds the answer alone.
    flow.send(store.get_conversation(conversation.id), "And the door?")
    pump.until(lambda: not flow.busy)
    history = json.loads(engine.requests[-1][3])["messages"]
    assert history[-2] == {"role": "assistant", "content": "It is red [1]."}
    store.close()
    for path in tmp_path.glob("chats.sqlite3*"):
        assert SECRET_KEY.encode() not in path.read_bytes()


def test_stop_keeps_the_partial_answer_and_the_server_sees_the_client_go(store: ChatStore,
                                                                          engine: FakeServer) -> None:
    def endless(handler: FakeHandler) -> None:
        handler.start_stream()
        while True:
            handler.event(chunk("more "))
            time.sleep(0.01)

    engine.scripts["/v1/chat/completions"] = endless
    pump = Pump()
    flow = Conversations(store, remote(engine, pump))
    _user, answer = flow.send(store.create_conversation("Stop"), "Go")
    pump.until(lambda: flow.streaming is not None and "more more" in flow.streaming[1])
    flow.stop()
    pump.until(lambda: not flow.busy)
    saved = store.get_message(answer.id)
    assert saved.status == "cancelled" and saved.content.startswith("more more")
    assert engine.client_left.wait(30)  # its next write failed: the connection was closed


def test_a_cut_stream_is_kept_and_marked_failed(store: ChatStore, engine: FakeServer) -> None:
    engine.scripts["/v1/chat/completions"] = streams(chunk("Half of it"), done=False)
    pump = Pump()
    flow = Conversations(store, remote(engine, pump))
    _user, answer = flow.send(store.create_conversation("Cut"), "Go")
    pump.until(lambda: not flow.busy)
    saved = store.get_message(answer.id)
    assert saved.status == "failed" and saved.content == "Half of it"
    assert saved.stats and "closed the connection mid-answer" in saved.stats["error"]


def test_an_unexpected_failure_is_a_sentence(store: ChatStore, engine: FakeServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("desktop.remotes.engine.remote_answer", broken)
    pump = Pump()
    flow = Conversations(store, remote(engine, pump))
    _user, answer = flow.send(store.create_conversation("Bug"), "Go")
    pump.until(lambda: not flow.busy)
    saved = store.get_message(answer.id)
    assert saved.status == "failed" and saved.stats
    assert saved.stats["error"] == "The answer from 127.0.0.1:" + engine.url.split(":")[2].split("/")[0] + \
        " failed (ZeroDivisionError)."
    assert threading.active_count() < 50
