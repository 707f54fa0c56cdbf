"""Which family models each parametrized test runs on; the ids are the table's row keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from models.engine import Engine
from models.families import get_family
from tests.fixtures.families import FAMILY_MODELS, FamilyModel


def over(models: tuple[FamilyModel, ...] | list[FamilyModel]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("model", models, ids=[m.key for m in models])


ALL = FAMILY_MODELS
MOE = tuple(m for m in FAMILY_MODELS if m.moe)
REASONING = tuple(m for m in FAMILY_MODELS if get_family(m.family).reasoning != "none")


def model(key: str) -> FamilyModel:
    return next(m for m in FAMILY_MODELS if m.key == key)


EngineFor = Callable[[FamilyModel], Engine]  # the family_engine fixture
FileFor = Callable[[FamilyModel], Path]  # the family_file fixture
