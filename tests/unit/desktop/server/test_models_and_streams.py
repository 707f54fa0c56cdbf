"""Which model answers (the loaded one; another installed one only when switching is allowed),
reasoning apart from the answer, and the SSE framing as plain `curl -N` sees it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.server import LocalServer, ServerConfig
from models.engine import Engine, EngineSettings, EngineWorker, ModelInfo
from tests.fixtures.families import FAMILY_MODELS_BY_KEY, write_family_model
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model
from tests.unit.desktop.server.conftest import LONG, client, error_of, load, request

HELLO = {"model": "tiny-a", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3}
CHAT = "/v1/chat/completions"


def test_an_installed_model_that_is_not_loaded_is_a_409(tiny_worker: EngineWorker, models_dir: Path,
                                                         serve: Callable[..., LocalServer]) -> None:
    write_tiny_model(models_dir / "tiny-b.gguf", TinyModelSpec(seed=1))
    server = serve(tiny_worker)
    status, _headers, answer = request(server, "POST", CHAT, {**HELLO, "model": "tiny-b"})
    error = error_of(answer)
    assert status == 409 and error["code"] == "model_not_loaded" and error["param"] == "model"
    assert "'tiny-b' is installed but not loaded" in str(error["message"])
    # The loaded model, and names nobody installed (a tool's hard-coded one), are answered.
    for name in ("tiny-a", "TINY-A.gguf", "gpt-4o", ""):
        status, _headers, answer = request(server, "POST", CHAT, {**HELLO, "model": name})
        assert status == 200 and isinstance(answer, dict) and answer["model"] == "tiny-a", answer
    assert [m.id for m in client(server).models.list()] == ["tiny-a"]


def test_when_allowed_a_request_switches_the_model(tiny_worker: EngineWorker, models_dir: Path) -> None:
    write_tiny_model(models_dir / "tiny-b.gguf", TinyModelSpec(seed=1, name="Tiny B"))
    switched: list[ModelInfo] = []
    server = LocalServer(tiny_worker, ServerConfig(port=0, allow_model_switch=True), models_dir, switched.append)
    server.start()
    try:
        assert [m.id for m in client(server).models.list()] == ["tiny-a", "SmolLM2-135M-Instruct.Q4_1", "tiny-b"]
        status, _headers, answer = request(server, "POST", CHAT, {**HELLO, "model": "tiny-b"})
        assert status == 200 and isinstance(answer, dict) and answer["model"] == "tiny-b"
        assert tiny_worker.model is not None and tiny_worker.model.path.name == "tiny-b.gguf"
        assert [info.path.name for info in switched] == ["tiny-b.gguf"]  # the window hears of it
    finally:
        server.stop()


def test_no_model_loaded_yet_is_a_503_and_health_says_loading(models_dir: Path,
                                                             serve: Callable[..., LocalServer]) -> None:
    worker = EngineWorker(Engine(EngineSettings(threads=1)))
    try:
        server = serve(worker)
        assert request(server, "GET", "/health")[2] == {"status": "loading"}
        status, headers, answer = request(server, "POST", CHAT, HELLO)
        assert status == 503 and headers["retry-after"] == "5" and error_of(answer)["code"] == "model_not_loaded"
        assert client(server).models.list().data == []
    finally:
        worker.shutdown()


def test_chat_and_embedding_models_each_on_their_endpoint(tiny_worker: EngineWorker, models_dir: Path,
                                                         embedding_gguf: Path, serve: Callable[..., LocalServer]
                                                         ) -> None:
    server = serve(tiny_worker)
    embed = {"model": "x", "input": "hello"}
    status, _headers, answer = request(server, "POST", "/v1/embeddings", embed)
    assert status == 400 and "No embedding model is installed" in str(error_of(answer)["message"])
    (models_dir / "all-MiniLM-L6-v2.F16.gguf").symlink_to(embedding_gguf)
    status, _headers, answer = request(server, "POST", "/v1/embeddings", {**embed, "model": "tiny-a"})
    assert status == 400 and "'tiny-a' is a chat model" in str(error_of(answer)["message"])
    status, _headers, answer = request(server, "POST", CHAT, {**HELLO, "model": "all-MiniLM-L6-v2.F16"})
    assert status == 400 and "is an embedding model" in str(error_of(answer)["message"])
    status, _headers, answer = request(server, "POST", "/v1/embeddings", {**embed, "dimensions": 100})
    assert status == 400 and error_of(answer)["param"] == "dimensions"
    status, _headers, answer = request(server, "POST", "/v1/embeddings", {**embed, "input": [[1, 2, 3]]})
    assert status == 400 and "send the input as text" in str(error_of(answer)["message"])


def test_reasoning_comes_apart_in_reasoning_content(models_dir: Path, serve: Callable[..., LocalServer]) -> None:
    # DeepSeek-R1's template opens <think> in the prompt: everything the model says is reasoning
    # until it closes the block (a random model never does in a few tokens).
    path = write_family_model(models_dir / "r1.gguf", FAMILY_MODELS_BY_KEY["deepseek-r1-distill"])
    worker = EngineWorker(Engine(EngineSettings(max_context=1024, threads=1)))
    try:
        load(worker, path)
        api = client(serve(worker))
        whole = api.chat.completions.create(model="r1", messages=HELLO["messages"], max_tokens=12, seed=3)
        message = whole.choices[0].message
        reasoning = (message.model_extra or {}).get("reasoning_content")
        assert reasoning and "<think>" not in reasoning and "<think>" not in (message.content or "")
        chunks = list(api.chat.completions.create(model="r1", messages=HELLO["messages"], max_tokens=12, seed=3,
                                                  stream=True))
        streamed = "".join((c.choices[0].delta.model_extra or {}).get("reasoning_content") or ""
                           for c in chunks if c.choices)
        assert streamed.strip() == reasoning
    finally:
        worker.shutdown()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_sees_server_sent_events_ending_with_done(tiny_worker: EngineWorker,
                                                       serve: Callable[..., LocalServer], tmp_path: Path) -> None:
    server = serve(tiny_worker)
    body = {**HELLO, "max_tokens": 6, "stream": True, "stream_options": {"include_usage": True}}
    headers = tmp_path / "headers.txt"
    done = subprocess.run(
        ["curl", "-sS", "-N", "-D", str(headers), "-H", "Content-Type: application/json", "--data-binary", "@-",
         f"{server.url}/chat/completions"],
        input=json.dumps(body), capture_output=True, text=True, timeout=LONG, check=True)
    head = headers.read_text().lower()
    assert head.startswith("http/1.1 200") and "content-type: text/event-stream" in head
    assert done.stdout.endswith("\n\n")
    events = done.stdout[:-2].split("\n\n")
    assert all(e.startswith("data: ") and "\n" not in e for e in events), events
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"} and len({c["id"] for c in chunks}) == 1
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 6
    content = [c for c in chunks[1:-2] if c["choices"][0]["delta"].get("content")]
    assert 1 <= len(content) <= 6
