"""What the server refuses, always as a 4xx with OpenAI's error body, and never by falling over:
malformed JSON, wrong types, unknown fields, what the engine cannot honour, oversized bodies,
too many waiting requests, and a few hundred fuzzed bodies."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.server import LocalServer
from models.engine import Engine, EngineSettings, EngineWorker, SamplingParams
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model
from tests.unit.desktop.server.conftest import LONG, error_of, load, request

CHAT = "/v1/chat/completions"
HELLO = {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}


@pytest.mark.parametrize(("body", "param", "words"), [
    (b"{not json", None, "not valid JSON"),
    (b"", None, "empty"),
    (b"\xff\xfe", None, "not UTF-8"),
    (b"[1, 2]", None, "must be a JSON object"),
    (b'{"model": "x", "messages": [{"role": "user", "content": "hi"}], "temperature": NaN}', None, "NaN"),
    (b"[" * 100_000 + b"]" * 100_000, None, "deep nesting"),
    ({**HELLO, "temperature": "hot"}, "temperature", "must be a number"),
    ({**HELLO, "temperature": 3}, "temperature", "between 0 and 2"),
    ({**HELLO, "max_tokens": 2.5}, "max_tokens", "must be an integer"),
    ({**HELLO, "max_tokens": True}, "max_tokens", "must be an integer"),
    ({**HELLO, "messages": []}, "messages", "non-empty array"),
    ({**HELLO, "messages": [{"role": "user", "content": 5}]}, "messages[0].content", "string or an array"),
    ({**HELLO, "messages": [{"role": "wizard", "content": "hi"}]}, "messages[0].role", "system, developer"),
    ({**HELLO, "messages": [{"role": "user", "content": "hi", "mood": "happy"}]}, "messages[0].mood",
     "Unrecognized request argument supplied: mood"),
    ({**HELLO, "stop": [1]}, "stop", "non-empty string"),
    ({**HELLO, "frobnicate": True}, "frobnicate", "Unrecognized request argument supplied: frobnicate"),
    ({**HELLO, "stream_options": {"include_usage": True}}, "stream_options", "only allowed when 'stream'"),
    ({"messages": HELLO["messages"]}, "model", "'model' is required"),
])
def test_malformed_requests_get_a_400_naming_the_field(tiny_worker: EngineWorker, serve: Callable[..., LocalServer],
                                                      body: bytes | dict[str, object], param: str | None,
                                                      words: str) -> None:
    status, _headers, answer = request(serve(tiny_worker), "POST", CHAT, body)
    error = error_of(answer)
    assert status == 400 and words in str(error["message"]) and error["param"] == param
    assert error["type"] == "invalid_request_error"


@pytest.mark.parametrize(("extra", "param"), [
    ({"n": 2}, "n"),
    ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools"),
    ({"tool_choice": "required"}, "tool_choice"),
    ({"response_format": {"type": "json_object"}}, "response_format"),
    ({"logprobs": True}, "logprobs"),
    ({"logit_bias": {"50256": -100}}, "logit_bias"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
     "messages[0].content[0]"),
    ({"messages": [{"role": "tool", "content": "42", "tool_call_id": "a"}]}, "messages[0].role"),
])
def test_what_the_engine_cannot_honour_is_a_clear_400(tiny_worker: EngineWorker, serve: Callable[..., LocalServer],
                                                      extra: dict[str, object], param: str) -> None:
    status, _headers, answer = request(serve(tiny_worker), "POST", CHAT, {**HELLO, **extra})
    error = error_of(answer)
    assert status == 400 and error["param"] == param and error["code"] == "unsupported_parameter"


def test_harmless_fields_are_accepted(tiny_worker: EngineWorker, serve: Callable[..., LocalServer]) -> None:
    body = {**HELLO, "n": 1, "user": "me", "metadata": {"a": "b"}, "store": False, "tool_choice": "none",
            "response_format": {"type": "text"}, "parallel_tool_calls": False, "seed": -5, "top_k": 10,
            "min_p": 0.1, "repetition_penalty": 1.1, "presence_penalty": 0.5, "frequency_penalty": -0.5}
    status, _headers, answer = request(serve(tiny_worker), "POST", CHAT, body)
    assert status == 200, answer
    assert isinstance(answer, dict) and answer["usage"]["completion_tokens"] == 4


def test_limits_on_body_size_and_max_tokens(tiny_worker: EngineWorker, serve: Callable[..., LocalServer]) -> None:
    server = serve(tiny_worker, max_body_bytes=2048, max_tokens_limit=100)
    big = {**HELLO, "messages": [{"role": "user", "content": "x" * 5000}]}
    status, _headers, answer = request(server, "POST", CHAT, big)
    assert status == 413 and "larger than 2 KiB" in str(error_of(answer)["message"])
    status, _headers, answer = request(server, "POST", CHAT, {**HELLO, "max_tokens": 101})
    assert status == 400 and error_of(answer)["param"] == "max_tokens"
    status, _headers, answer = request(server, "GET", "/v1/nowhere")
    assert status == 404 and "/v1/nowhere" in str(error_of(answer)["message"])
    status, _headers, answer = request(server, "GET", CHAT)
    assert status == 405 and error_of(answer)
    assert request(server, "POST", CHAT, HELLO)[0] == 200  # and it keeps serving


def test_a_full_queue_answers_503_with_retry_after(tiny_worker: EngineWorker, serve: Callable[..., LocalServer]
                                                   ) -> None:
    server = serve(tiny_worker, max_waiting=0)
    release, blocked = threading.Event(), threading.Event()

    def hold(_text: str) -> None:  # the window's answer holds the engine thread at its first token
        blocked.set()
        release.wait(LONG)

    tiny_worker.chat([{"role": "user", "content": "hi"}], SamplingParams(max_tokens=1), hold, print, print)
    assert blocked.wait(LONG)
    first: list[int] = []
    waiting = threading.Thread(target=lambda: first.append(request(server, "POST", CHAT, HELLO)[0]))
    waiting.start()
    for _ in range(int(LONG * 20)):  # until the first request waits in the queue
        if server.status().requests == 1:
            break
        threading.Event().wait(0.05)
    status, headers, answer = request(server, "POST", CHAT, HELLO)
    assert status == 503 and headers["retry-after"] == "5"
    assert error_of(answer)["code"] == "engine_busy"
    release.set()
    waiting.join(LONG)
    assert first == [200]


def _fuzzed_bodies(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    values: list[object] = [None, True, 0, -1, 2**70, 1e308, -0.5, "", "x" * 3000, "\u202e\x00\ud7ff", [], {},
                            [None], {"a": [1, {"b": None}]}, [[[[[]]]]], "NaN", 3.7, 17, "user", "stop"]
    fields = ["model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens",
              "max_completion_tokens", "stop", "seed", "presence_penalty", "frequency_penalty", "n", "tools",
              "response_format", "logprobs", "prompt", "input", "encoding_format", "dimensions", "zzz"]
    bodies: list[bytes] = []
    for _ in range(count):
        body: dict[str, object] = json.loads(json.dumps(HELLO))
        for _ in range(rng.randint(1, 4)):
            choice = rng.random()
            if choice < 0.6:
                body[rng.choice(fields)] = rng.choice(values)
            elif choice < 0.8:
                body["messages"] = [{rng.choice(["role", "content", "name", "x"]): rng.choice(values)}
                                    for _ in range(rng.randint(0, 3))]
            else:
                body.pop(rng.choice(list(body) or ["model"]), None)
        encoded = json.dumps(body).encode()
        kind = rng.random()
        if kind < 0.1:
            encoded = encoded[: rng.randint(0, len(encoded))]
        elif kind < 0.15:
            encoded = bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
        bodies.append(encoded)
    return bodies


def test_fuzzed_bodies_never_crash_the_server(models_dir: Path, serve: Callable[..., LocalServer]) -> None:
    # A short context and a low max_tokens cap: whatever a fuzzed request asks, it ends quickly.
    worker = EngineWorker(Engine(EngineSettings(threads=1)))
    load(worker, write_tiny_model(models_dir / "tiny-short.gguf", TinyModelSpec(context_length=128)))
    try:
        server = serve(worker, max_tokens_limit=8, max_body_bytes=64 * 1024)
        statuses: dict[int, int] = {}
        for i, body in enumerate(_fuzzed_bodies(seed=15, count=240)):
            path = ("/v1/chat/completions", "/v1/completions", "/v1/embeddings")[i % 3]
            status, _headers, answer = request(server, "POST", path, body)
            statuses[status] = statuses.get(status, 0) + 1
            assert status in (200, 400, 413), (status, body[:200], answer)
            if status != 200:
                error_of(answer)
            assert b"Traceback" not in (answer if isinstance(answer, bytes) else json.dumps(answer).encode())
        assert statuses[400] > 100 and statuses.get(200, 0) >= 1, statuses  # mostly refused, some answered
        assert request(server, "GET", "/health")[2] == {"status": "ok"}
    finally:
        worker.shutdown()
