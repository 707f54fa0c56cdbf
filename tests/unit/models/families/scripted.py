"""Make a loaded engine's model "say" a given text: random weights never produce a family's
reasoning markup, so tests feed the real token ids of a scripted answer through the engine's
whole streaming path (decoding, shaping, on_text) in place of sampled ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from models.engine import Engine


def script(engine: Engine, monkeypatch: pytest.MonkeyPatch, answer: str) -> list[int]:
    vocabulary = engine.vocabulary
    ids = vocabulary.tokenize(answer, add_special=False, parse_special=True)

    def generate(tokens: list[int], *_args: Any, **_kwargs: Any) -> Iterator[int]:
        yield from ids
        yield vocabulary.eos  # the family's end of generation

    monkeypatch.setattr(engine.decoder, "generate", generate)
    return ids
