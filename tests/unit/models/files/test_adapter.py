"""LoRA adapter files, checked against a model's header before llama.cpp sees either."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest

from models.errors import AdapterFileError, AdapterMismatchError, ModelFileError
from models.files import check_adapter, check_adapter_file, read_adapter, read_gguf, validate_model
from tests.fixtures.tiny_gguf import TinyAdapterSpec, TinyModelSpec, write_tiny_adapter, write_tiny_model


def test_an_adapter_in_llama_cpps_layout(tmp_path: Path) -> None:
    path = write_tiny_adapter(tmp_path / "style.gguf", adapter=TinyAdapterSpec(rank=4, alpha=8.0))
    adapter = read_adapter(path)
    assert (adapter.architecture, adapter.alpha, adapter.rank, adapter.name) == ("llama", 8.0, 4, "Tiny LoRA")
    assert "blk.0.attn_q.weight" in adapter.targets and len(adapter.pairs) == 2 * 4
    pair = next(p for p in adapter.pairs if p.target == "blk.0.ffn_down.weight")
    assert (pair.a, pair.b) == ((128, 4), (4, 64))  # ggml order: (n_in, rank), (rank, n_out)


def test_it_fits_its_model(tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    adapter = write_tiny_adapter(tmp_path / "style.gguf")
    assert check_adapter_file(adapter, model).rank == 4


def test_other_dimensions_are_refused_with_the_reason(tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    wide = write_tiny_adapter(tmp_path / "wide.gguf", base=TinyModelSpec(n_embd=128, n_ff=256))
    with pytest.raises(AdapterMismatchError) as caught:
        check_adapter_file(wide, model)
    assert str(caught.value) == (
        "The adapter wide.gguf does not fit Tiny Llama: 'blk.0.attn_q.weight' is 64×64 in the model but "
        "128×128 in the adapter (it was made for a model of other dimensions).")


def test_more_layers_than_the_model_are_refused(tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    deep = write_tiny_adapter(tmp_path / "deep.gguf", base=TinyModelSpec(n_layers=4))
    with pytest.raises(AdapterMismatchError, match=r"does not have \(blk\.2\..*\): it was made for another model "
                                                   r"\(Tiny Llama has 2 layers\)"):
        check_adapter_file(deep, model)


def test_another_architecture_is_refused(tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    qwen = write_tiny_adapter(tmp_path / "qwen.gguf", base=TinyModelSpec(architecture="qwen2"))
    with pytest.raises(AdapterMismatchError, match="made for a qwen2 model; Tiny Llama is a llama model"):
        check_adapter(read_adapter(qwen), read_gguf(model))


def _adapter_with(path: Path, tensors: dict[str, np.ndarray], kind: str = "lora") -> Path:
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, kind)
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, 4.0)
    for name, data in tensors.items():
        writer.add_tensor(name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_broken_adapters_say_what_is_wrong(tmp_path: Path) -> None:
    a = np.zeros((4, 64), dtype=np.float32)
    b = np.zeros((64, 4), dtype=np.float32)
    cases = {
        "lonely.gguf": ({"blk.0.attn_q.weight.lora_a": a}, "lora", "lacks its lora_b tensor"),
        "odd.gguf": ({"blk.0.attn_q.weight": b}, "lora", "is not a LoRA tensor"),
        "ranks.gguf": ({"blk.0.attn_q.weight.lora_a": a, "blk.0.attn_q.weight.lora_b": np.zeros((64, 8),
                        dtype=np.float32)}, "lora", "ranks that disagree"),
        "cvec.gguf": ({"blk.0.attn_q.weight.lora_a": a}, "control_vector", "'control_vector' adapter"),
        "empty.gguf": ({"output_norm.weight": np.ones(64, dtype=np.float32)}, "lora", "contains no LoRA tensors"),
    }
    for name, (tensors, kind, reason) in cases.items():
        with pytest.raises(AdapterFileError, match=reason) as caught:
            read_adapter(_adapter_with(tmp_path / name, tensors, kind))
        assert str(caught.value).startswith(f"Cannot use adapter {name}: ")


def test_a_model_is_not_an_adapter_and_an_adapter_not_a_model(tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    adapter = write_tiny_adapter(tmp_path / "style.gguf")
    with pytest.raises(AdapterFileError, match="it is a model, not a LoRA adapter"):
        read_adapter(model)
    with pytest.raises(ModelFileError, match="it is a LoRA adapter, not a model"):
        validate_model(adapter)
    truncated = tmp_path / "cut.gguf"
    truncated.write_bytes(adapter.read_bytes()[:200])
    with pytest.raises(AdapterFileError, match=r"Cannot use adapter cut\.gguf: the file is truncated"):
        read_adapter(truncated)
