"""An embedding model is checked at import for what search needs, never for a chat template."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest

from models.engine import check_import

MINILM = "all-MiniLM-L6-v2.F16.gguf"


@pytest.fixture
def minilm(starter_embedding_cache: Path | None) -> Path:
    if starter_embedding_cache is None:
        pytest.fail("The starter embedding model's package is missing; `make test` installs it.")
    return starter_embedding_cache / MINILM


def rewrite(source: Path, target: Path, drop: tuple[str, ...] = (), values: dict[str, int] | None = None,
            zero_tensors: bool = False) -> Path:
    """A copy of a GGUF with some metadata left out or changed, or every tensor zeroed."""
    reader = gguf.GGUFReader(source)
    writer = gguf.GGUFWriter(target, arch=str(reader.fields["general.architecture"].contents()))
    for name, item in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture" or name in drop or name in (values or {}):
            continue
        value_type = item.types[0]
        sub_type = item.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, item.contents(), value_type, sub_type=sub_type)
    for name, value in (values or {}).items():
        writer.add_uint32(name, value)
    for tensor in reader.tensors:
        data = np.array(tensor.data)
        writer.add_tensor(tensor.name, np.zeros_like(data) if zero_tensors else data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


def test_an_embedding_model_gets_pooling_dimension_and_a_test_embedding(minilm: Path) -> None:
    check = check_import(minilm)
    assert (check.kind, check.pooling, check.dimension, check.findings) == ("embedding", "mean", 384, ())
    assert check.summary == ("An embedding model for document search: mean pooling, 384 dimensions, "
                             "test embedding passed.")
    # The template doctor would have warned about ChatML and turn markers: nothing about chat here.
    assert "template" not in str(check.as_dict()).lower()


def test_a_chat_model_still_gets_the_template_check(make_tiny_model) -> None:  # type: ignore[no-untyped-def]
    check = check_import(make_tiny_model(chat_template=None))
    assert check.kind == "chat" and any("no chat template" in f.message for f in check.findings)


def test_an_embedding_model_without_pooling_or_a_reranker_is_refused(minilm: Path, tmp_path: Path) -> None:
    unpooled = check_import(rewrite(minilm, tmp_path / "unpooled.gguf", drop=("bert.pooling_type",)))
    assert not unpooled.ok and "no pooling type" in unpooled.findings[0].message
    reranker = check_import(rewrite(minilm, tmp_path / "reranker.gguf", values={"bert.pooling_type": 4}))
    assert not reranker.ok and reranker.pooling == "rank" and "reranker" in reranker.findings[0].message


def test_an_embedding_model_whose_test_embedding_is_empty_says_so(minilm: Path, tmp_path: Path) -> None:
    check = check_import(rewrite(minilm, tmp_path / "zeros.gguf", zero_tensors=True))
    assert not check.ok and "empty or not a number" in check.findings[0].message
    assert check.summary.endswith("test embedding failed.")
