"""Models other tools downloaded: the Hugging Face cache and LM Studio's folders."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from models.library import Library, add_discovered, discover, hf_cache_dir
from tests.fixtures.hub_fixtures import HubModels


def fill_hf_cache(cache: Path, repo: str, files: list[Path], revision: str = "0" * 40) -> None:
    """huggingface_hub's layout: snapshot entries are links to blobs named by their sha256."""
    repo_dir = cache / f"models--{repo.replace('/', '--')}"
    snapshot = repo_dir / "snapshots" / revision
    (repo_dir / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    for source in files:
        blob = repo_dir / "blobs" / hashlib.sha256(source.read_bytes()).hexdigest()
        shutil.copy(source, blob)
        (snapshot / source.name).symlink_to(Path("../..") / "blobs" / blob.name)


def test_the_cache_location_follows_huggingface_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert hf_cache_dir() == tmp_path / ".cache" / "huggingface" / "hub"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hf_cache_dir() == tmp_path / "xdg" / "huggingface" / "hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert hf_cache_dir() == tmp_path / "hf" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    assert hf_cache_dir() == tmp_path / "hub-cache"


def test_discovers_and_links_with_provenance(tmp_path: Path, hub_models: HubModels) -> None:
    cache = tmp_path / "hf"
    fill_hf_cache(cache, "acme/Tiny-GGUF", [hub_models.small])
    fill_hf_cache(cache, "acme/Split-GGUF", list(hub_models.split))
    fill_hf_cache(cache, "acme/Broken-GGUF", [hub_models.split[0]])  # one part of three: skipped
    lm_studio = tmp_path / "lmstudio"
    (lm_studio / "bob" / "Q8-GGUF").mkdir(parents=True)
    shutil.copy(hub_models.small_q8, lm_studio / "bob" / "Q8-GGUF")
    library = Library(tmp_path / "models")

    found = discover(library, hf_cache=cache, lm_studio=[lm_studio, tmp_path / "absent"])
    assert [(m.source, m.repo, m.name, len(m.paths)) for m in found] == [
        ("hf-cache", "acme/Split-GGUF", "Split-Q4_K_M", 3),
        ("hf-cache", "acme/Tiny-GGUF", "Tiny-Q4_K_M", 1),
        ("lm-studio", "bob/Q8-GGUF", "Tiny-Q8_0", 1),
    ]
    tiny = found[1]
    assert tiny.revision == "0" * 40 and tiny.sha256 == (hashlib.sha256(hub_models.small.read_bytes()).hexdigest(),)

    model = add_discovered(library, tiny)
    assert model.origin == "linked" and model.repo == "acme/Tiny-GGUF" and model.files[0].sha256 == tiny.sha256[0]
    assert model.path == tiny.path and not any(library.root.rglob("*.gguf"))  # nothing copied
    again = discover(library, hf_cache=cache, lm_studio=[lm_studio])
    assert [m.name for m in again] == ["Split-Q4_K_M", "Tiny-Q8_0"]  # what the library holds is not offered
    library.delete(model.name)
    assert tiny.path.is_file()  # the cache keeps its file
