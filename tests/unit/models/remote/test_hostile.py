"""What a remote engine may do wrong, each a sentence and never a traceback or a hang; and the
peculiarities of real servers (Ollama's `reasoning`, vLLM's `max_model_len`, no [DONE])."""

from __future__ import annotations

import threading
import time

import pytest

from models.cancel import CancelToken
from models.errors import RemoteError
from models.remote import RemoteClient, Timeouts, parse_endpoint_url, remote_answer
from models.wire import Sampling
from tests.fixtures.remote_engines import FakeHandler, FakeServer, chunk, fake_engine, free_port, models_list, streams

QUESTION = [{"role": "user", "content": "hi"}]
QUICK = Timeouts(connect_s=5, first_token_s=2, stall_s=1)


@pytest.fixture
def engine() -> FakeServer:
    with fake_engine() as server:
        yield server


def client(server: FakeServer, key: str | None = None, **options: object) -> RemoteClient:
    options.setdefault("timeouts", QUICK)
    options.setdefault("backoff_s", 0.01)
    return RemoteClient(parse_endpoint_url(server.url), key, **options)  # type: ignore[arg-type]


def ask(remote: RemoteClient, model: str = "m") -> tuple[str, object]:
    parts: list[str] = []
    stats = remote_answer(remote, model, QUESTION, Sampling(), parts.append, CancelToken())
    return "".join(parts), stats


def failure(remote: RemoteClient, model: str = "m") -> tuple[str, str]:
    parts: list[str] = []
    with pytest.raises(RemoteError) as caught:
        remote_answer(remote, model, QUESTION, Sampling(), parts.append, CancelToken())
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message and len(message) < 400, message
    return message, "".join(parts)


def test_reasoning_content_and_ollama_reasoning_become_think_sections(engine: FakeServer) -> None:
    engine.scripts["/v1/chat/completions"] = streams(
        chunk(reasoning="Let me"), chunk(reasoning=" think."), chunk("Four."), chunk(finish="stop"),
        usage={"prompt_tokens": 9, "completion_tokens": 3})
    text, stats = ask(client(engine))
    assert text == "<think>Let me think.</think>Four."
    assert stats.generated_tokens == 3 and stats.prompt_tokens == 9  # type: ignore[attr-defined]
    engine.scripts["/v1/chat/completions"] = streams(chunk(reasoning="Hmm", reasoning_field="reasoning"),
                                                     chunk("Yes", finish="stop"), done=False)
    assert ask(client(engine))[0] == "<think>Hmm</think>Yes"  # and no [DONE]: a finish reason ends it


def test_the_key_goes_in_the_header_and_the_request_carries_the_settings(engine: FakeServer) -> None:
    engine.scripts["/v1/chat/completions"] = streams(chunk("ok", finish="stop"))
    parts: list[str] = []
    remote_answer(client(engine, "sk-secret"), "big/model", QUESTION, Sampling(temperature=0.2, seed=5, max_tokens=7),
                  parts.append, CancelToken())
    _method, path, headers, body = engine.requests[-1]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer sk-secret"
    import json

    sent = json.loads(body)
    assert sent["model"] == "big/model" and sent["stream"] is True
    assert (sent["temperature"], sent["seed"], sent["max_tokens"]) == (0.2, 5, 7)
    assert "sk-secret" not in repr(client(engine, "sk-secret"))


def test_model_list_reads_context_lengths(engine: FakeServer) -> None:
    engine.scripts["/v1/models"] = models_list("Qwen/Qwen3-32B", max_model_len=32768)
    [model] = client(engine).list_models()
    assert (model.id, model.context_length) == ("Qwen/Qwen3-32B", 32768)


def test_refused_connection() -> None:
    remote = RemoteClient(parse_endpoint_url(f"http://127.0.0.1:{free_port()}/v1"), timeouts=QUICK)
    with pytest.raises(RemoteError, match="refused the connection: is the engine running"):
        remote.list_models()


def test_unknown_host_is_a_dns_sentence() -> None:
    remote = RemoteClient(parse_endpoint_url("http://no-such-host.invalid:8000"), timeouts=QUICK)
    with pytest.raises(RemoteError, match=r"cannot be found|Cannot reach|did not answer"):
        remote.list_models()


def test_401_with_and_without_a_key(engine: FakeServer) -> None:
    engine.scripts["/v1/models"] = lambda h: h.reply(401, {"error": {"message": "Invalid API key sk-..."}})
    with pytest.raises(RemoteError, match="wants an API key"):
        client(engine).list_models()
    with pytest.raises(RemoteError, match="refused the API key") as caught:
        client(engine, "sk-wrong").list_models()
    assert "sk-wrong" not in str(caught.value)


def test_404_model_names_the_model(engine: FakeServer) -> None:
    engine.scripts["/v1/chat/completions"] = lambda h: h.reply(404, {"error": "model 'llama9' not found"})
    message, _ = failure(client(engine), "llama9")
    assert "does not serve the model 'llama9'" in message and "not found" in message  # Ollama's error shape


def test_no_api_at_that_path(engine: FakeServer) -> None:
    with pytest.raises(RemoteError, match="no OpenAI-compatible API at /v1/models"):
        client(engine).list_models()


def test_500_before_the_first_token_is_retried(engine: FakeServer) -> None:
    calls: list[int] = []

    def flaky(handler: FakeHandler) -> None:
        calls.append(1)
        if len(calls) < 3:
            handler.reply(503, {"error": {"message": "loading model"}}, {"Retry-After": "0"})
        else:
            streams(chunk("fine", finish="stop"))(handler)

    engine.scripts["/v1/chat/completions"] = flaky
    assert ask(client(engine))[0] == "fine" and len(calls) == 3


def test_500_that_persists_says_so(engine: FakeServer) -> None:
    engine.scripts["/v1/chat/completions"] = lambda h: h.reply(500, b"<html>Internal error</html>")
    message, _ = failure(client(engine))
    assert "failed (HTTP 500" in message


def test_a_stream_cut_mid_answer_keeps_what_came(engine: FakeServer) -> None:
    engine.scripts["/v1/chat/completions"] = streams(chunk("Half an "), chunk("answer"), done=False)
    message, partial = failure(client(engine))
    assert partial == "Half an answer" and "closed the connection mid-answer" in message


def test_a_stalled_stream_times_out(engine: FakeServer) -> None:
    release = threading.Event()

    def stall(handler: FakeHandler) -> None:
        handler.start_stream()
        handler.event(chunk("Begun"))
        release.wait(30)

    engine.scripts["/v1/chat/completions"] = stall
    started = time.monotonic()
    message, partial = failure(client(engine))
    release.set()
    assert partial == "Begun" and "stopped sending" in message
    assert time.monotonic() - started < 25


def test_endless_keepalives_without_an_answer_time_out(engine: FakeServer) -> None:
    stop = threading.Event()

    def keepalive(handler: FakeHandler) -> None:
        handler.start_stream()
        while not stop.is_set():
            handler.send(b": ping\n\n")
            time.sleep(0.05)

    engine.scripts["/v1/chat/completions"] = keepalive
    message, _ = failure(client(engine))
    stop.set()
    assert "sent no answer within 2 s" in message


@pytest.mark.parametrize(("raw", "said"), [
    (b"data: {not json\n\n", "not JSON"),
    (b"data: [1, 2]\n\n", "not a JSON object"),
    (b"data: \xff\xfe\n\n", "not UTF-8"),
    (b'data: {"error": {"message": "CUDA out of memory"}}\n\n', "CUDA out of memory"),
    (b"data: " + b"x" * (5 * 1024 * 1024), "longer than 4 MiB"),
])
def test_garbage_in_the_stream(engine: FakeServer, raw: bytes, said: str) -> None:
    def garbage(handler: FakeHandler) -> None:
        handler.start_stream()
        handler.send(raw)

    engine.scripts["/v1/chat/completions"] = garbage
    message, _ = failure(client(engine))
    assert said in message


def test_an_endless_stream_is_cut_at_the_cap(engine: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("models.remote.client.MAX_STREAM_BYTES", 256 * 1024)
    stop = threading.Event()

    def endless(handler: FakeHandler) -> None:
        handler.start_stream()
        piece = b"data: " + __import__("json").dumps(chunk("la ")).encode() + b"\n\n"
        while not stop.is_set():
            handler.send(piece * 50)

    engine.scripts["/v1/chat/completions"] = endless
    message, partial = failure(client(engine))
    stop.set()
    assert "more than" in message and partial.startswith("la la")


def test_garbage_model_lists(engine: FakeServer) -> None:
    engine.scripts["/v1/models"] = lambda h: h.reply(200, b"<html>hello</html>")
    with pytest.raises(RemoteError, match="model list"):
        client(engine).list_models()
    engine.scripts["/v1/models"] = lambda h: h.reply(200, {"data": [{"id": "ok"}, {"id": 5}, {"id": "\x1b[31mred"}]})
    assert [m.id for m in client(engine).list_models()] == ["ok"]


def test_a_server_that_ignores_stream_still_answers(engine: FakeServer) -> None:
    engine.scripts["/v1/chat/completions"] = lambda h: h.reply(200, {
        "choices": [{"message": {"role": "assistant", "content": "Whole."}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2}})
    text, stats = ask(client(engine))
    assert text == "Whole." and stats.generated_tokens == 2  # type: ignore[attr-defined]


def test_stop_while_waiting_for_the_first_token(engine: FakeServer) -> None:
    release = threading.Event()

    def slow(handler: FakeHandler) -> None:
        handler.start_stream()
        release.wait(30)

    engine.scripts["/v1/chat/completions"] = slow
    cancel = CancelToken()
    remote = client(engine, timeouts=Timeouts(first_token_s=60, stall_s=60))
    threading.Timer(0.3, cancel.cancel).start()
    started = time.monotonic()
    stats = remote_answer(remote, "m", QUESTION, Sampling(), lambda _t: None, cancel)
    waited = time.monotonic() - started
    release.set()
    assert stats.stop_reason == "cancelled"
    assert waited < 20  # it did not wait for the server (30 s) nor the timeout (60 s)


def test_offline_mode_refuses_all_but_loopback() -> None:
    remote = RemoteClient(parse_endpoint_url("https://llm.example.org/v1"), offline=True)
    with pytest.raises(RemoteError, match=r"Offline mode is on, so Hearth does not connect to llm\.example\.org"):
        remote.list_models()
    with pytest.raises(RemoteError, match="refused the connection"):  # loopback: it tried
        RemoteClient(parse_endpoint_url(f"http://localhost:{free_port()}"), offline=True, timeouts=QUICK).list_models()
