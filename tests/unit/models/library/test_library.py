"""The installed-model library: import (copy or link), list with provenance, find, delete."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from models.errors import LibraryError, ModelFileError, ModelNotFoundError
from models.library import Library, installed_models, resolve_model
from tests.fixtures.hub_fixtures import HubModels


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(tmp_path / "models")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_copied_import_is_hashed_and_described(library: Library, hub_models: HubModels) -> None:
    model = library.import_file(hub_models.small)
    assert model.origin == "copied" and model.name == "Tiny-Q4_K_M"
    assert model.path == library.root / "imported" / "Tiny-Q4_K_M.gguf"
    assert model.files[0].sha256 == sha256(hub_models.small)
    assert model.details is not None
    assert (model.details.architecture, model.details.quantization, model.details.chat_template) == (
        "llama",
        "Q4_K_M",
        True,
    )
    (listed,) = library.models()
    assert listed == model and listed.installed_at is not None


def test_a_linked_import_stays_where_it_is_and_survives_deletion(library: Library, hub_models: HubModels) -> None:
    model = library.import_file(hub_models.small, link=True)
    assert model.origin == "linked" and model.path == hub_models.small and model.files[0].sha256 is None
    assert not (library.root / "imported").exists()
    with pytest.raises(LibraryError, match="already in the library as 'Tiny-Q4_K_M'"):
        library.import_file(hub_models.small)
    removed = library.delete("Tiny-Q4_K_M")
    assert removed.deleted == () and removed.kept == (hub_models.small,) and removed.freed_bytes == 0
    assert hub_models.small.is_file() and library.models() == []


def test_deleting_a_copy_removes_its_files_and_manifest(library: Library, hub_models: HubModels) -> None:
    model = library.import_file(hub_models.small)
    removed = library.delete("tiny-q4_k_m")
    assert removed.deleted == (model.path,) and removed.freed_bytes == hub_models.small.stat().st_size
    assert not model.path.exists() and not (library.root / "imported").exists()
    assert not list(library.manifest_dir.glob("*.json"))
    with pytest.raises(ModelNotFoundError):
        library.delete("Tiny-Q4_K_M")


def test_delete_wants_the_exact_name(library: Library, hub_models: HubModels) -> None:
    library.import_file(hub_models.small)
    with pytest.raises(ModelNotFoundError, match="did you mean 'Tiny-Q4_K_M'"):
        library.delete("Tiny")
    assert len(library.models()) == 1


def test_a_split_model_comes_in_whole(library: Library, hub_models: HubModels, tmp_path: Path) -> None:
    model = library.import_file(hub_models.split[1])  # any part brings the set
    assert [p.name for p in model.paths] == [p.name for p in hub_models.split]
    assert model.details is not None and model.details.layers == 3
    loose = tmp_path / "loose"
    loose.mkdir()
    shutil.copy(hub_models.split[0], loose)
    with pytest.raises(LibraryError, match=r"its parts .*-00002-of-00003\.gguf, .*-00003-of-00003\.gguf are missing"):
        library.import_file(loose / hub_models.split[0].name)


def test_an_invalid_file_is_refused(library: Library, tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00")
    with pytest.raises(ModelFileError, match="truncated"):
        library.import_file(bad)
    assert library.models() == []


def test_loose_files_are_listed_and_deletable(library: Library, hub_models: HubModels) -> None:
    folder = library.root / "by-hand"
    folder.mkdir(parents=True)
    shutil.copy(hub_models.small, folder / "Mine-Q8_0.gguf")
    for part in hub_models.split:
        shutil.copy(part, folder)
    (folder / "Orphan-00002-of-00002.gguf").write_bytes(b"x")
    models = {m.name: m for m in library.models()}
    assert set(models) == {"Mine-Q8_0", "Split-Q4_K_M"}
    assert models["Mine-Q8_0"].origin == "unmanaged" and len(models["Split-Q4_K_M"].files) == 3
    removed = library.delete("Split-Q4_K_M")
    assert len(removed.deleted) == 3 and not any(p.exists() for p in removed.deleted)


def test_names_stay_unique(library: Library, hub_models: HubModels, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / hub_models.small.name
    other.parent.mkdir()
    shutil.copy(hub_models.small_q8, other)
    first = library.import_file(hub_models.small, link=True)
    second = library.import_file(other, link=True)
    assert (first.name, second.name) == ("Tiny-Q4_K_M", "Tiny-Q4_K_M-2")
    assert library.find("tiny-q4_k_m") == first  # an exact name wins over a longer one
    with pytest.raises(ModelNotFoundError, match="'Tiny' matches several"):
        library.find("Tiny")


def test_resolve_model_finds_library_models(library: Library, hub_models: HubModels, tmp_path: Path) -> None:
    library.import_file(hub_models.small, link=True)
    library.import_file(hub_models.split[0])
    assert resolve_model("Tiny-Q4_K_M", library.root) == hub_models.small
    assert resolve_model("split", library.root) == library.root / "imported" / hub_models.split[0].name
    assert installed_models(library.root) == [
        library.root / "imported" / hub_models.split[0].name,
        hub_models.small,
    ]


def test_a_linked_file_that_moved_is_reported(library: Library, hub_models: HubModels, tmp_path: Path) -> None:
    moving = tmp_path / "moving.gguf"
    shutil.copy(hub_models.small, moving)
    model = library.import_file(moving, link=True)
    moving.unlink()
    (listed,) = library.models()
    assert not listed.available
    with pytest.raises(ModelNotFoundError, match=f"linked to {moving}, which is no longer there"):
        resolve_model(model.name, library.root)


def test_an_unreadable_manifest_is_skipped(library: Library, hub_models: HubModels) -> None:
    library.import_file(hub_models.small, link=True)
    (library.manifest_dir / "broken.json").write_text("{not json")
    assert [m.name for m in library.models()] == ["Tiny-Q4_K_M"]
