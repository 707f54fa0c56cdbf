"""The GGUF header check that stands between a user's file and llama.cpp."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from models.errors import ModelFileError
from models.files import read_gguf, validate_model


def test_reads_a_tiny_model(tiny_model: Path) -> None:
    info = validate_model(tiny_model)
    assert info.architecture == "llama"
    assert info.block_count == 2
    assert info.context_length == 2048
    assert info.chat_template and "<|im_start|>" in info.chat_template
    assert info.name == "Tiny Llama"
    assert info.parameter_count > 0
    assert info.tensors[-1].offset + info.tensors[-1].n_bytes <= info.file_size


def test_reads_the_starter_model(starter_model: Path) -> None:
    info = validate_model(starter_model)
    assert (info.architecture, info.block_count, info.context_length) == ("llama", 30, 8192)
    assert 130e6 < info.parameter_count < 140e6
    assert info.metadata["tokenizer.ggml.tokens"].length == 49152  # skipped, length kept


def _copy_with(path: Path, target: Path, data: bytes) -> Path:
    target.write_bytes(data)
    return target


@pytest.mark.parametrize(
    ("make_bad", "reason"),
    [
        (lambda good, bad: bad.write_bytes(b""), "the file is empty"),
        (lambda good, bad: bad.write_bytes(b"hello, I am a text file\n" * 10), "not a GGUF model file"),
        (lambda good, bad: bad.write_bytes(good.read_bytes()[:200]), "truncated"),
        (lambda good, bad: bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2]), "truncated: tensor"),
        (lambda good, bad: bad.write_bytes(good.read_bytes()[:4] + struct.pack("<I", 99) + good.read_bytes()[8:]),
         "GGUF version 99 is not supported"),
        (lambda good, bad: bad.write_bytes(good.read_bytes().replace(b"general.architecture", b"general.architecturX")),
         "names no model architecture"),
        (lambda good, bad: bad.mkdir(), "it is a folder"),
    ],
    ids=["empty", "not-gguf", "truncated-header", "truncated-tensors", "bad-version", "no-architecture", "folder"],
)
def test_bad_files_give_one_clear_reason(tiny_model: Path, tmp_path: Path, make_bad, reason: str) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.gguf"
    make_bad(tiny_model, bad)
    with pytest.raises(ModelFileError) as caught:
        validate_model(bad)
    message = str(caught.value)
    assert reason in message
    assert message.startswith("Cannot use model bad.gguf:")
    assert "\n" not in message


def test_zero_layers_is_refused_before_llama_cpp_aborts(make_tiny_model) -> None:  # type: ignore[no-untyped-def]
    path = make_tiny_model(n_layers=0)
    with pytest.raises(ModelFileError, match=r"declares 0 layers \(llama.block_count\)"):
        validate_model(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="does not exist"):
        read_gguf(tmp_path / "nope.gguf")
