"""models.remote against a real OpenAI-compatible server: Hearth's own, serving a tiny model."""

from __future__ import annotations

import threading
import time

from desktop.server import LocalServer
from models.cancel import CancelToken
from models.remote import RemoteClient, parse_endpoint_url, remote_answer, sampling_from
from models.wire import Sampling
from tests.fixtures.remote_engines import wait_until

QUESTION = [{"role": "user", "content": "Say something."}]


def client_of(server: LocalServer) -> RemoteClient:
    assert server.url is not None
    return RemoteClient(parse_endpoint_url(server.url))


def test_lists_the_served_model(tiny_served: LocalServer) -> None:
    models = client_of(tiny_served).list_models()
    assert "tiny-remote" in [m.id for m in models]


def test_streams_an_answer_with_usage_based_stats(tiny_served: LocalServer) -> None:
    parts: list[str] = []
    stats = remote_answer(client_of(tiny_served), "tiny-remote", QUESTION, Sampling(max_tokens=12, seed=7),
                          parts.append, CancelToken())
    assert len(parts) > 1, "the answer came in one piece: not streamed"
    assert stats.generated_tokens == 12 and stats.stop_reason == "length"
    assert stats.prompt_tokens > 0  # from the server's usage chunk
    assert 0 < stats.time_to_first_token_s <= stats.total_s


def test_seed_and_temperature_pass_through(tiny_served: LocalServer) -> None:
    def answer(seed: int) -> str:
        parts: list[str] = []
        remote_answer(client_of(tiny_served), "tiny-remote", QUESTION,
                      sampling_from({"temperature": 1.0, "seed": seed, "max_tokens": 8}), parts.append, CancelToken())
        return "".join(parts)

    assert answer(3) == answer(3)
    assert len({answer(3), answer(4), answer(5)}) > 1


def test_stop_closes_the_stream_and_the_server_stops(tiny_served: LocalServer) -> None:
    cancel = CancelToken()
    parts: list[str] = []

    def on_text(text: str) -> None:
        parts.append(text)
        if len(parts) == 3:
            cancel.cancel()

    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(remote_answer(
        client_of(tiny_served), "tiny-remote", QUESTION, Sampling(max_tokens=4000), on_text, cancel)))
    started = time.monotonic()
    thread.start()
    thread.join(240)
    assert result and result[0].stop_reason == "cancelled"  # type: ignore[attr-defined]
    assert len(parts) < 50
    # The server noticed its client leave and is free again, well before 4000 tokens.
    assert wait_until(lambda: tiny_served.status().requests == 0, 120), tiny_served.status()
    assert time.monotonic() - started < 200
