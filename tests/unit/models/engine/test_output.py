"""Decoding generated tokens: an answer never starts with SentencePiece's word-boundary space."""

from pathlib import Path

import llama_cpp

from models.engine import Pieces, cpu_kernels
from tests.fixtures.families import FAMILY_MODELS_BY_KEY, write_family_model


def test_the_first_words_space_is_dropped_and_later_ones_kept(tmp_path: Path) -> None:
    path = write_family_model(tmp_path / "mistral.gguf", FAMILY_MODELS_BY_KEY["mistral"])  # a SentencePiece vocab
    with cpu_kernels.model_params():
        llm = llama_cpp.Llama(str(path), n_ctx=256, verbose=False)
    try:
        tokens = llm.tokenize(b" the the", add_bos=False)
        pieces = Pieces(llm)
        assert "".join(pieces.text(t) for t in tokens) == "the the"
    finally:
        llm.close()
