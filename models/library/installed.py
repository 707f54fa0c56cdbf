"""The installed-model library: what is in the models folder, where each model came from, and
how models are added (downloaded, copied, linked) and deleted.

Layout under the models folder (`AppPaths.models`):

    <owner>/<repo>/<file>.gguf     downloaded from the Hub (split models: all parts side by side)
    imported/<file>.gguf           copied in from disk
    .library/<name>.json           one manifest per model (written last: a model without one is
                                   not installed yet)
    .downloads/<job>/              partial downloads (see models.hub.downloads)

A manifest records the model's name, its origin (`hub`, `copied`, `linked`), its files (paths
relative to the models folder, or absolute for linked files), each file's repo path, size and
sha256 when known, the repo and revision, when it was installed, and `details` read from the GGUF
header once at install time (so listing a library of large models stays instant). One file per
model keeps two processes (the window and `hearth models ...`) from overwriting each other's
additions. Manifests are written to a temporary file and renamed into place.

"Linked" means added without copying: the manifest points at a file elsewhere (the Hugging Face
cache, LM Studio's folder, anywhere the user chose); deleting a linked model removes only the
manifest, never the user's file. `.gguf` files dropped into the folder by hand show up as
`unmanaged` models with no provenance, and deleting one deletes it.

Names are unique in the library; `find` matches a name case-insensitively, or an unambiguous part
of one, which is what `-m NAME` uses (through `models.library.locate.resolve_model`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from models.errors import LibraryError, ModelFileError, ModelNotFoundError
from models.files import (
    label_from_file_type,
    model_stem,
    quant_label,
    read_gguf,
    split_name,
    split_parts,
    validate_model,
)
from models.private import open_private, private_folder, write_private

log = logging.getLogger(__name__)

Origin = Literal["hub", "copied", "linked", "unmanaged", "bundled"]
MANIFEST_DIR = ".library"
DOWNLOADS_DIR = ".downloads"
IMPORTED_DIR = "imported"
ADAPTERS_DIR = ".adapters"  # LoRA adapters (models.library.adapters): not models of their own
_HIDDEN = (MANIFEST_DIR, DOWNLOADS_DIR, ADAPTERS_DIR)


@dataclass(frozen=True)
class ModelDetails:
    """What the GGUF header says, for the Installed view."""

    title: str
    architecture: str
    parameters: int
    quantization: str | None
    context_length: int
    chat_template: bool
    layers: int

    @classmethod
    def read(cls, paths: Sequence[Path]) -> ModelDetails:
        infos = [read_gguf(p) for p in paths]
        first = infos[0]
        return cls(
            title=first.name,
            architecture=first.architecture,
            parameters=sum(info.parameter_count for info in infos),
            quantization=quant_label(paths[0].name) or label_from_file_type(first.metadata.get("general.file_type")),
            context_length=first.context_length,
            chat_template=first.chat_template is not None,
            layers=first.block_count,
        )


@dataclass(frozen=True)
class ModelFile:
    path: Path  # where it lies now
    size: int
    sha256: str | None = None  # known for Hub downloads, copies and Hugging Face cache blobs
    repo_path: str | None = None  # its name in the Hub repo


@dataclass(frozen=True)
class InstalledModel:
    name: str
    origin: Origin
    files: tuple[ModelFile, ...]  # a split model's parts in order; llama.cpp is given the first
    repo: str | None = None
    revision: str | None = None
    installed_at: str | None = None
    details: ModelDetails | None = None
    manifest: Path | None = field(default=None, compare=False)

    @property
    def path(self) -> Path:
        return self.files[0].path

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.files]

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def available(self) -> bool:
        """False when a linked file was moved or deleted behind the library's back."""
        return all(p.is_file() for p in self.paths)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "origin": self.origin,
            "size": self.size,
            "repo": self.repo,
            "revision": self.revision,
            "installed_at": self.installed_at,
            "available": self.available,
            "files": [
                {"path": str(f.path), "size": f.size, "sha256": f.sha256, "repo_path": f.repo_path} for f in self.files
            ],
            "details": None if self.details is None else self.details.__dict__,
        }


@dataclass(frozen=True)
class RemovedModel:
    name: str
    deleted: tuple[Path, ...]  # files removed from disk
    kept: tuple[Path, ...]  # linked files left where they are
    freed_bytes: int


class Library:
    def __init__(self, models_dir: Path) -> None:
        self.root = models_dir

    @property
    def manifest_dir(self) -> Path:
        return self.root / MANIFEST_DIR

    @property
    def downloads_dir(self) -> Path:
        return self.root / DOWNLOADS_DIR

    # -- reading -----------------------------------------------------------------------------------

    def models(self) -> list[InstalledModel]:
        """Every model, managed ones first by name, then files found in the folder without a manifest."""
        managed = [m for m in (self._load(p) for p in sorted(self.manifest_dir.glob("*.json"))) if m is not None]
        claimed = {_real(p) for m in managed for p in m.paths}
        unmanaged = []
        for path in sorted(self._loose_files(), key=lambda p: p.name.lower()):
            parts = split_parts(path)
            if _real(path) in claimed or not all(p.is_file() for p in parts):
                continue
            files = tuple(ModelFile(p, p.stat().st_size) for p in parts)
            unmanaged.append(InstalledModel(model_stem(path.name), "unmanaged", files))
        return sorted(managed, key=lambda m: m.name.lower()) + unmanaged

    def _loose_files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.rglob("*.gguf"):
            relative = path.relative_to(self.root).parts
            split = split_name(path.name)
            if relative[0] in _HIDDEN or (split is not None and split.index != 1):
                continue
            found.append(path)
        return found

    def find(self, spec: str) -> InstalledModel:
        """A model by name (case-insensitive, `.gguf` optional) or an unambiguous part of one."""
        models = self.models()
        wanted = spec.lower().removesuffix(".gguf")
        for model in models:
            if model.name.lower() == wanted:
                return model
        matches = [m for m in models if wanted in m.name.lower()]
        if len(matches) == 1:
            return matches[0]
        names = ", ".join(m.name for m in (matches or models)) or "none besides 'starter'"
        hint = "matches several" if len(matches) > 1 else "is neither a file nor an installed model"
        raise ModelNotFoundError(f"'{spec}' {hint}. Installed models: {names}.")

    def find_by_path(self, path: Path) -> InstalledModel | None:
        target = _real(path)
        return next((m for m in self.models() if any(_real(p) == target for p in m.paths)), None)

    def _load(self, manifest: Path) -> InstalledModel | None:
        try:
            data = json.loads(manifest.read_text())
            files = tuple(
                ModelFile(self._absolute(f["path"]), int(f["size"]), f.get("sha256"), f.get("repo_path"))
                for f in data["files"]
            )
            details = ModelDetails(**data["details"]) if data.get("details") else None
            return InstalledModel(
                name=data["name"],
                origin=data["origin"],
                files=files,
                repo=data.get("repo"),
                revision=data.get("revision"),
                installed_at=data.get("installed_at"),
                details=details,
                manifest=manifest,
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("Ignoring unreadable model manifest %s: %s", manifest, exc)
            return None

    def _absolute(self, stored: str) -> Path:
        path = Path(stored)
        return path if path.is_absolute() else self.root / path

    def _stored(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    # -- writing -------------------------------------------------------------------------------------

    def unique_name(self, stem: str) -> str:
        taken = {m.name.lower() for m in self.models()}
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        return name

    def register(self, model: InstalledModel) -> InstalledModel:
        """Write a model's manifest (the last step of installing it) and return it as stored."""
        details = model.details
        if details is None:
            try:
                details = ModelDetails.read(model.paths)
            except ModelFileError as exc:
                log.warning("Could not read details of %s: %s", model.name, exc)
        model = replace(model, details=details, installed_at=model.installed_at or _now())
        data = {
            "version": 1,
            "name": model.name,
            "origin": model.origin,
            "repo": model.repo,
            "revision": model.revision,
            "installed_at": model.installed_at,
            "files": [
                {"path": self._stored(f.path), "size": f.size, "sha256": f.sha256, "repo_path": f.repo_path}
                for f in model.files
            ],
            "details": None if details is None else details.__dict__,
        }
        manifest = self.manifest_dir / f"{_slug(model.name)}.json"
        write_private(manifest, json.dumps(data, indent=1))
        return replace(model, manifest=manifest)

    def contained(self, path: Path) -> Path:
        """`path` if it lies inside the models folder once resolved (`..`, symbolic links), else
        LibraryError: the one check every file Hearth installs or deletes passes."""
        root = _real(self.root)
        resolved = _real(path)
        if resolved != root and root in resolved.parents:
            return path
        raise LibraryError(f"Refusing to write {path}: it lies outside the models folder {self.root}.")

    def hub_folder(self, repo_id: str) -> Path:
        owner, _, name = repo_id.partition("/")
        return self.root / _slug(owner) / _slug(name or owner)

    def import_file(
        self,
        path: Path,
        *,
        link: bool = False,
        origin_repo: str | None = None,
        revision: str | None = None,
        sha256: Sequence[str | None] | None = None,
        check: Callable[[Path], object] | None = None,
    ) -> InstalledModel:
        """Add a GGUF from disk: validated, then copied into `imported/` or linked where it lies.
        A part of a split model brings all its parts. Raises ModelFileError or LibraryError.

        Check first, register last: `check(first_part)` (the template check, from a layer above)
        runs before anything is written, and a copy that cannot be registered is removed again,
        so a failed import leaves nothing behind."""
        path = path.expanduser().absolute()
        split = split_name(path.name)
        first = path.with_name(split.part(1)) if split else path
        parts = split_parts(first)
        missing = [p.name for p in parts if not p.is_file()]
        if missing:
            raise LibraryError(f"Cannot add {first.name}: its parts {', '.join(missing)} are missing.")
        validate_model(first)
        known = self.find_by_path(first)
        if known is not None:
            raise LibraryError(f"{first.name} is already in the library as '{known.name}'.")
        details = ModelDetails.read(parts)
        if check is not None:
            check(first)
        name = self.unique_name(model_stem(first.name))
        hashes = list(sha256) if sha256 else [None] * len(parts)
        if link:
            files = tuple(ModelFile(p, p.stat().st_size, h) for p, h in zip(parts, hashes, strict=True))
            model = InstalledModel(name, "linked", files, repo=origin_repo, revision=revision, details=details)
            return self.register(model)
        folder = private_folder(self.root / IMPORTED_DIR)
        if shutil.disk_usage(folder).free < sum(p.stat().st_size for p in parts):
            raise LibraryError(f"Not enough disk space to copy {first.name} into {folder}.")
        copied: list[ModelFile] = []
        try:
            for part in parts:
                target = self.contained(folder / part.name)
                if target.exists():
                    raise LibraryError(f"{target} already exists; remove it or add {first.name} as a link.")
                digest = _copy_hashing(part, target)
                copied.append(ModelFile(target, target.stat().st_size, digest))
            model = InstalledModel(name, "copied", tuple(copied), repo=origin_repo, revision=revision, details=details)
            return self.register(model)
        except BaseException:
            for done in copied:
                done.path.unlink(missing_ok=True)
            raise

    def delete(self, name: str) -> RemovedModel:
        """Remove a model: its own files and its manifest; a linked model's files stay where they are."""
        model = self.find(name)
        if model.name.lower() != name.lower().removesuffix(".gguf"):
            raise ModelNotFoundError(f"No installed model is called '{name}' (did you mean '{model.name}'?).")
        deleted: list[Path] = []
        kept: list[Path] = []
        freed = 0
        for file in model.files:
            # Only files inside the models folder are Hearth's to delete, whatever a manifest says.
            if model.origin == "linked" or not self._inside(file.path):
                kept.append(file.path)
            elif file.path.is_file():
                freed += file.path.stat().st_size
                file.path.unlink()
                deleted.append(file.path)
        if model.manifest is not None:
            model.manifest.unlink(missing_ok=True)
        for path in deleted:
            _prune_empty(path.parent, self.root)
        return RemovedModel(model.name, tuple(deleted), tuple(kept), freed)


    def _inside(self, path: Path) -> bool:
        try:
            self.contained(path)
        except LibraryError:
            return False
        return True


def _copy_hashing(source: Path, target: Path) -> str:
    """Copy through a temporary name, hashing the bytes on the way (one read of the source)."""
    import hashlib

    digest = hashlib.sha256()
    temp = target.with_name(target.name + ".part")
    try:
        with source.open("rb") as src, open_private(temp, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
                digest.update(chunk)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return digest.hexdigest()


def _prune_empty(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "model"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
