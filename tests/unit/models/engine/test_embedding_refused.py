"""An embedding model (for document search) is not a chat model: the engine says so plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.engine import Engine, SamplingParams
from models.errors import ModelFileError


def test_an_embedding_model_is_refused_and_the_chat_model_stays(tiny_engine: Engine, embedding_gguf: Path) -> None:
    loaded = tiny_engine.model
    with pytest.raises(ModelFileError, match="it is an embedding model, used to search your documents, not to chat"):
        tiny_engine.load(embedding_gguf)
    assert tiny_engine.model == loaded
    assert tiny_engine.chat([{"role": "user", "content": "hi"}], SamplingParams(max_tokens=4)).generated_tokens > 0
