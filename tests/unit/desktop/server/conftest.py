"""A real server on 127.0.0.1 (a free port), the real engine worker, the official `openai` client."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import openai
import pytest

from desktop.server import LocalServer, ServerConfig
from models.engine import Engine, EngineSettings, EngineWorker, ModelInfo
from tests.fixtures.openai_clients import openai_client
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

LONG = 240.0  # the machine may be shared and slow: wait for conditions, generously


def load(worker: EngineWorker, path: Path) -> ModelInfo:
    done = threading.Event()
    result: list[object] = []
    worker.load(path, lambda info: (result.append(info), done.set()),
                lambda message, _still: (result.append(message), done.set()))
    assert done.wait(LONG), "the model did not load in time"
    assert isinstance(result[0], ModelInfo), result[0]
    return result[0]


@pytest.fixture
def models_dir(hearth_home: Path) -> Path:
    folder = hearth_home / "models"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def tiny_worker(models_dir: Path) -> Iterator[EngineWorker]:
    """A tiny random model with a long context (it streams until the context is full)."""
    path = write_tiny_model(models_dir / "tiny-a.gguf", TinyModelSpec(context_length=8192))
    worker = EngineWorker(Engine(EngineSettings(threads=1)))
    load(worker, path)
    yield worker
    worker.shutdown()


@pytest.fixture(scope="module")
def starter_worker(starter_model: Path) -> Iterator[EngineWorker]:
    worker = EngineWorker(Engine())
    load(worker, starter_model)
    yield worker
    worker.shutdown()


@pytest.fixture
def serve(models_dir: Path) -> Iterator[Callable[..., LocalServer]]:
    """serve(worker, **config): a started server; stopped after the test."""
    servers: list[LocalServer] = []

    def start(worker: EngineWorker, **config: object) -> LocalServer:
        config.setdefault("port", 0)
        server = LocalServer(worker, ServerConfig(**config), models_dir)  # type: ignore[arg-type]
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def client(server: LocalServer, key: str = "unused", **options: object) -> openai.OpenAI:
    assert server.url is not None
    return openai_client(server.url, key, timeout=LONG, **options)


def request(server: LocalServer, method: str, path: str, body: bytes | dict[str, object] | None = None,
            headers: dict[str, str] | None = None, host: str | None = None) -> tuple[int, dict[str, str], object]:
    """A raw HTTP request (headers and bytes exactly as given); the status, headers and decoded JSON."""
    import http.client
    import json

    assert server.port is not None
    connection = http.client.HTTPConnection(host or "127.0.0.1", server.port, timeout=LONG)
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    try:
        connection.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        raw = response.read()
        try:
            decoded: object = json.loads(raw)
        except ValueError:
            decoded = raw
        return response.status, {k.lower(): v for k, v in response.getheaders()}, decoded
    finally:
        connection.close()


def error_of(body: object) -> dict[str, object]:
    """The `error` object of an OpenAI-style error body (and that it is one)."""
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"message", "type", "param", "code"}, error
    assert isinstance(error["message"], str) and error["message"].endswith((".", ")")), error
    return error
