"""Find GGUF models other tools already downloaded, so they can be added without copying.

Searched, in order:

- the Hugging Face cache, where huggingface_hub puts it: `$HF_HUB_CACHE`, else
  `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else
  `~/.cache/huggingface/hub` (read from the environment at call time, not at import, so a changed
  `HF_HOME` is honoured). Its layout `models--OWNER--NAME/snapshots/REVISION/FILE` gives the repo
  and revision, and an LFS blob's file name is its sha256, so provenance comes for free.
- LM Studio's models folders: `~/.lmstudio/models` and `~/.cache/lm-studio/models`, laid out
  `OWNER/REPO/FILE.gguf`.

Only the first part of a split model is reported, with all its parts; incomplete split sets and
files the library already holds are skipped. Nothing is read beyond names and sizes here: a file
is validated when it is added (`Library.import_file(..., link=True)`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from models.files import model_stem, split_name, split_parts
from models.library.installed import InstalledModel, Library

Source = Literal["hf-cache", "lm-studio", "folder"]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class DiscoveredModel:
    name: str
    path: Path  # the first part
    paths: tuple[Path, ...]
    size: int
    source: Source
    repo: str | None
    revision: str | None
    sha256: tuple[str | None, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "path": str(self.path),
            "parts": len(self.paths),
            "size": self.size,
            "source": self.source,
            "repo": self.repo,
            "revision": self.revision,
        }


def hf_cache_dir() -> Path:
    env = os.environ
    for key in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if env.get(key):
            return Path(os.path.expandvars(env[key])).expanduser()
    if env.get("HF_HOME"):
        return Path(os.path.expandvars(env["HF_HOME"])).expanduser() / "hub"
    cache = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return cache / "huggingface" / "hub"


def lm_studio_dirs() -> list[Path]:
    home = Path.home()
    return [home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"]


def discover(
    library: Library, *, hf_cache: Path | None = None, lm_studio: Sequence[Path] | None = None
) -> list[DiscoveredModel]:
    """Models in the Hugging Face cache and LM Studio's folders that the library does not hold yet."""
    found = list(_scan_hf_cache(hf_cache or hf_cache_dir()))
    for folder in lm_studio if lm_studio is not None else lm_studio_dirs():
        found.extend(_scan_folder(folder, "lm-studio"))
    held = {p.resolve() for m in library.models() for p in m.paths if p.exists()}
    unique: dict[Path, DiscoveredModel] = {}
    for model in found:
        key = model.path.resolve()
        if key not in held and key not in unique:
            unique[key] = model
    return sorted(unique.values(), key=lambda m: (m.source, m.name.lower()))


def add_discovered(library: Library, model: DiscoveredModel) -> InstalledModel:
    """Add a discovered model without copying it, keeping what is known of where it came from."""
    return library.import_file(
        model.path, link=True, origin_repo=model.repo, revision=model.revision, sha256=model.sha256
    )


def _first_parts(folder: Path) -> Iterable[Path]:
    if not folder.is_dir():
        return
    for path in folder.rglob("*.gguf"):
        split = split_name(path.name)
        if split is None or split.index == 1:
            yield path


def _complete(path: Path) -> list[Path] | None:
    parts = split_parts(path)
    return parts if all(p.is_file() for p in parts) else None


def _scan_hf_cache(cache: Path) -> Iterable[DiscoveredModel]:
    if not cache.is_dir():
        return
    for repo_dir in sorted(cache.glob("models--*")):
        _, owner_name = repo_dir.name.split("--", 1)
        repo = owner_name.replace("--", "/", 1)
        for snapshot in sorted((repo_dir / "snapshots").glob("*")):
            for path in _first_parts(snapshot):
                parts = _complete(path)
                if parts is None:
                    continue
                shas = tuple(_blob_sha(p) for p in parts)
                yield DiscoveredModel(
                    model_stem(path.name),
                    path,
                    tuple(parts),
                    sum(p.stat().st_size for p in parts),
                    "hf-cache",
                    repo,
                    snapshot.name,
                    shas,
                )


def _blob_sha(path: Path) -> str | None:
    """A cached LFS file is a link to `blobs/<sha256>`."""
    name = path.resolve().name
    return name if _SHA256.match(name) else None


def _scan_folder(folder: Path, source: Source) -> Iterable[DiscoveredModel]:
    for path in sorted(_first_parts(folder)):
        parts = _complete(path)
        if parts is None:
            continue
        relative = path.relative_to(folder).parts
        repo = "/".join(relative[:2]) if len(relative) >= 3 else None
        yield DiscoveredModel(
            model_stem(path.name),
            path,
            tuple(parts),
            sum(p.stat().st_size for p in parts),
            source,
            repo,
            None,
            (None,) * len(parts),
        )
