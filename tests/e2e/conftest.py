"""The CLI as a subprocess, each test with its own data folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _starter_embedding_made_already(starter_embedding: Path | None) -> Path | None:
    """The data folder's cache holds the starter embedding model, as after a first run."""
    return starter_embedding
