"""Make a loaded engine's model "say" a given text: random weights never produce a family's
reasoning markup, so tests feed the real token ids of a scripted answer through the engine's
whole streaming path (decoding, shaping, on_text) in place of sampled ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from models.engine import Engine


def script(engine: Engine, monkeypatch: pytest.MonkeyPatch, answer: str) -> list[int]:
    llm = engine.llama
    ids = llm.tokenize(answer.encode("utf-8"), add_bos=False, special=True)

    def generate(tokens: list[int], **_sampling: Any) -> Iterator[int]:
        yield from ids
        yield llm.token_eos()  # the family's end of generation

    monkeypatch.setattr(llm, "generate", generate)
    return ids
