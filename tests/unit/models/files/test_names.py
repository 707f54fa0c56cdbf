"""Quantization labels and split parts, read from file names as the Hub lists them."""

from __future__ import annotations

import pytest

from models.files import label_from_file_type, model_stem, quant_label, split_name


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", "Q4_K_M"),
        ("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", "Q4_K_M"),
        ("mixtral-8x7b-instruct-v0.1.Q5_K_M.gguf", "Q5_K_M"),
        ("gpt-oss-20b-mxfp4.gguf", "MXFP4"),
        ("UD-Q4_K_XL/Qwen3-30B-A3B-UD-Q4_K_XL-00001-of-00002.gguf", "Q4_K_XL"),
        ("model-IQ4_XS.gguf", "IQ4_XS"),
        ("gemma-3-4b-it-BF16.gguf", "BF16"),
        ("Llama-3.2-1B-Instruct-Q4_0_4_4.gguf", "Q4_0_4_4"),
        ("mmproj-model-f16.gguf", "F16"),
        ("SmolLM2-135M-Instruct.Q4_1.gguf", "Q4_1"),
        ("plain.gguf", None),
        ("Q4-not-a-label.gguf", None),
    ],
)
def test_quantization_labels(name: str, label: str | None) -> None:
    assert quant_label(name) == label


def test_split_names() -> None:
    split = split_name("folder/Big-Q8_0-00002-of-00003.gguf")
    assert split is not None and (split.base, split.index, split.count) == ("Big-Q8_0", 2, 3)
    assert split.parts == [f"Big-Q8_0-0000{i}-of-00003.gguf" for i in (1, 2, 3)]
    assert split_name("Big-Q8_0.gguf") is None
    assert model_stem("folder/Big-Q8_0-00002-of-00003.gguf") == "Big-Q8_0"
    assert model_stem("a/b/Small.gguf") == "Small"


def test_file_type_labels() -> None:
    assert label_from_file_type(15) == "Q4_K_M"
    assert label_from_file_type(0) == "F32"
    assert label_from_file_type(12345) is None and label_from_file_type(None) is None
