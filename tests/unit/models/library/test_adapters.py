"""LoRA adapters in the library: checked against their model, copied in, listed under it."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.errors import AdapterFileError, AdapterMismatchError, ModelNotFoundError
from models.library import AdapterLibrary, Library, fitting_models
from tests.fixtures.tiny_gguf import TinyAdapterSpec, TinyModelSpec, write_tiny_adapter, write_tiny_model


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    return folder


def test_import_lists_it_under_its_model(models_dir: Path, tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    source = write_tiny_adapter(tmp_path / "style.gguf", adapter=TinyAdapterSpec(rank=2, alpha=4))
    adapters = AdapterLibrary(models_dir)
    added = adapters.import_file(source, "Tiny", model)
    assert (added.name, added.base_model, added.rank, added.alpha) == ("style", "Tiny", 2, 4.0)
    assert added.path.parent == models_dir / ".adapters" and added.path.read_bytes() == source.read_bytes()
    assert added.sha256 is not None and len(added.sha256) == 64
    again = adapters.import_file(source, "Tiny", model)
    assert again.name == "style-2"
    assert [a.name for a in adapters.for_model("tiny")] == ["style", "style-2"]
    # The library never takes an adapter for a model of its own.
    assert Library(models_dir).models() == []


def test_a_mismatched_adapter_is_refused_and_nothing_is_copied(models_dir: Path, tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    wide = write_tiny_adapter(tmp_path / "wide.gguf", base=TinyModelSpec(n_embd=128, n_ff=256))
    with pytest.raises(AdapterMismatchError, match="does not fit Tiny Llama"):
        AdapterLibrary(models_dir).import_file(wide, "Tiny", model)
    with pytest.raises(AdapterFileError, match="it is a model, not a LoRA adapter"):
        AdapterLibrary(models_dir).import_file(model, "Tiny", model)
    assert AdapterLibrary(models_dir).adapters() == []
    assert not (models_dir / ".adapters").exists() or not any((models_dir / ".adapters").iterdir())


def test_fitting_models_finds_the_base(tmp_path: Path) -> None:
    small = write_tiny_model(tmp_path / "small.gguf")
    wide = write_tiny_model(tmp_path / "wide.gguf", TinyModelSpec(n_embd=128, n_ff=256))
    adapter = write_tiny_adapter(tmp_path / "style.gguf")
    fits, reasons = fitting_models(adapter, [("Wide", wide), ("Small", small)])
    assert fits == ["Small"] and len(reasons) == 1 and "does not fit" in reasons[0]


def test_find_and_delete(models_dir: Path, tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    adapters = AdapterLibrary(models_dir)
    added = adapters.import_file(write_tiny_adapter(tmp_path / "legal-style.gguf"), "Tiny", model)
    assert adapters.find("LEGAL") == added
    with pytest.raises(ModelNotFoundError, match="did you mean 'legal-style'"):
        adapters.delete("legal")
    adapters.delete("legal-style.gguf")
    assert adapters.adapters() == [] and not added.path.exists()
    with pytest.raises(ModelNotFoundError, match="Installed adapters: none"):
        adapters.find("legal")


def test_an_unreadable_manifest_is_skipped(models_dir: Path, tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    adapters = AdapterLibrary(models_dir)
    adapters.import_file(write_tiny_adapter(tmp_path / "style.gguf"), "Tiny", model)
    (models_dir / ".adapters" / "broken.json").write_text("{not json")
    assert [a.name for a in adapters.adapters()] == ["style"]
