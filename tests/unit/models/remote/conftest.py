"""A tiny model behind Hearth's own server: the real HTTP and wire format a remote engine speaks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.server import LocalServer
from models.engine import Engine, EngineSettings, EngineWorker, ModelInfo
from tests.fixtures.remote_engines import hearth_engine
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

LONG = 240.0


@pytest.fixture(scope="module")
def tiny_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    folder = tmp_path_factory.mktemp("remote-models")
    path = write_tiny_model(folder / "tiny-remote.gguf", TinyModelSpec(context_length=8192))
    worker = EngineWorker(Engine(EngineSettings(threads=1)))
    done = threading.Event()
    result: list[object] = []
    worker.load(path, lambda info: (result.append(info), done.set()),
                lambda message, _still: (result.append(message), done.set()))
    assert done.wait(LONG) and isinstance(result[0], ModelInfo), result
    with hearth_engine(worker, Path(folder)) as server:
        yield server
    worker.shutdown()
