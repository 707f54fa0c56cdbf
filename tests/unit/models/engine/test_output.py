"""Decoding generated tokens: an answer never starts with SentencePiece's word-boundary space."""

from pathlib import Path

from models.engine import NativeModel, Pieces
from tests.fixtures.families import FAMILY_MODELS_BY_KEY, write_family_model


def test_the_first_words_space_is_dropped_and_later_ones_kept(tmp_path: Path) -> None:
    path = write_family_model(tmp_path / "mistral.gguf", FAMILY_MODELS_BY_KEY["mistral"])  # a SentencePiece vocab
    model = NativeModel(path)
    try:
        tokens = model.tokenize(" the the", add_special=False, parse_special=False)
        pieces = Pieces(model)
        assert "".join(pieces.text(t) for t in tokens) == "the the"
    finally:
        model.close()
