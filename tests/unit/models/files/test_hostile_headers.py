"""The GGUF fuzzer, in process: every hostile header value is refused by `validate_model` with its
reason (llama.cpp would assert and abort on each), and reading the header never raises anything
but ModelFileError."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.errors import ModelFileError
from models.files import read_gguf, validate_model
from models.fit import shape_of_files
from tests.fixtures.gguf_fuzz import HOSTILE_HEADERS, Changes, HostileHeader, rewrite
from tests.fixtures.tiny_gguf import write_tiny_model


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("fuzz") / "tiny.gguf")


def test_the_unchanged_rewrite_is_a_valid_model(source: Path, tmp_path: Path) -> None:
    copy = rewrite(source, tmp_path / "copy.gguf", Changes())
    assert validate_model(copy).metadata == read_gguf(source).metadata


@pytest.mark.parametrize("variant", HOSTILE_HEADERS, ids=lambda v: v.name)
def test_a_hostile_header_is_refused_with_its_reason(source: Path, tmp_path: Path, variant: HostileHeader) -> None:
    path = rewrite(source, tmp_path / "hostile.gguf", variant.changes)
    with pytest.raises(ModelFileError) as refused:
        validate_model(path)
    assert variant.reason in str(refused.value)
    assert str(refused.value).startswith("Cannot use model hostile.gguf: ")
    # Whatever the header says, the other readers see numbers or a ModelFileError, never a crash.
    try:
        info = read_gguf(path)
        assert isinstance(info.block_count, int) and isinstance(info.context_length, int)
        shape_of_files([path])
    except ModelFileError:
        pass
