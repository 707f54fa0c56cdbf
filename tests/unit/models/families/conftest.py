"""Fixtures for the per-family tests: each family's tiny GGUF, written once per session, and an
engine per family. Tests marked `compat(column)` and parametrized over `model` are what the
README's compatibility table is generated from (tests/compat_table.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from models.engine import Engine, EngineSettings
from tests.fixtures.families import FamilyModel, write_family_model


@pytest.fixture(scope="session")
def family_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[FamilyModel], Path]:
    folder = tmp_path_factory.mktemp("families")
    written: dict[str, Path] = {}

    def path(model: FamilyModel) -> Path:
        if model.key not in written:
            written[model.key] = write_family_model(folder / f"{model.key}.gguf", model)
        return written[model.key]

    return path


@pytest.fixture(scope="session")
def family_engine(family_file: Callable[[FamilyModel], Path]) -> Iterator[Callable[[FamilyModel], Engine]]:
    """One loaded engine per family, shared by the session, with the model's own template."""
    engines: dict[str, Engine] = {}

    def engine(model: FamilyModel) -> Engine:
        if model.key not in engines:
            engines[model.key] = Engine(EngineSettings(max_context=1024, threads=1))
            engines[model.key].load(family_file(model))
        else:
            engines[model.key].set_template(None)
        return engines[model.key]

    yield engine
    for loaded in engines.values():
        loaded.unload()
