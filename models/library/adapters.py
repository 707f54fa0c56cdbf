"""LoRA adapters in the library, each listed under the model it was imported for.

Layout under the models folder:

    .adapters/<name>.gguf     the adapter, copied in (checked against its model first)
    .adapters/<name>.json     its manifest: name, base model, sha256, rank, alpha (written last)

An adapter fits every model with its base's architecture and tensor shapes (another quantization of
the same model, for one); the manifest remembers the model it was checked against, which is where
the model manager lists it. The folder's name starts with a dot, so the library never takes an
adapter for a model of its own.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from models.errors import AdapterMismatchError, LibraryError, ModelFileError, ModelNotFoundError
from models.files import AdapterInfo, check_adapter, read_adapter, read_gguf
from models.library.installed import ADAPTERS_DIR, _copy_hashing, _now, _slug

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstalledAdapter:
    name: str
    path: Path
    size: int
    base_model: str  # the model it was checked against at import, by its library name
    architecture: str
    rank: int
    alpha: float
    sha256: str | None = None
    installed_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}


def compatible(adapter: AdapterInfo, model_path: Path) -> str | None:
    """None when `adapter` fits the model at `model_path`, else the reason it does not."""
    try:
        check_adapter(adapter, read_gguf(model_path))
    except (AdapterMismatchError, ModelFileError) as exc:
        return str(exc)
    return None


class AdapterLibrary:
    def __init__(self, models_dir: Path) -> None:
        self.folder = models_dir / ADAPTERS_DIR

    def adapters(self) -> list[InstalledAdapter]:
        """Every adapter, by base model then name; unreadable manifests are skipped (and logged)."""
        found = []
        for manifest in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
                found.append(InstalledAdapter(
                    name=str(data["name"]), path=self.folder / Path(str(data["file"])).name, size=int(data["size"]),
                    base_model=str(data["base_model"]), architecture=str(data["architecture"]),
                    rank=int(data["rank"]), alpha=float(data["alpha"]), sha256=data.get("sha256"),
                    installed_at=data.get("installed_at"),
                ))  # fmt: skip
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("Ignoring unreadable adapter manifest %s: %s", manifest, exc)
        return sorted(found, key=lambda a: (a.base_model.lower(), a.name.lower()))

    def for_model(self, model_name: str) -> list[InstalledAdapter]:
        return [a for a in self.adapters() if a.base_model.lower() == model_name.lower()]

    def find(self, spec: str) -> InstalledAdapter:
        """An adapter by name (any case, `.gguf` optional) or an unambiguous part of one."""
        adapters = self.adapters()
        wanted = spec.lower().removesuffix(".gguf")
        exact = [a for a in adapters if a.name.lower() == wanted]
        matches = exact or [a for a in adapters if wanted in a.name.lower()]
        if len(matches) == 1:
            return matches[0]
        names = ", ".join(a.name for a in (matches or adapters)) or "none"
        hint = "matches several adapters" if len(matches) > 1 else "is neither a file nor an installed adapter"
        raise ModelNotFoundError(f"'{spec}' {hint}. Installed adapters: {names}.")

    def import_file(self, path: Path, base_name: str, base_path: Path) -> InstalledAdapter:
        """Check `path` is a LoRA adapter that fits the model `base_name` (its file `base_path`),
        then copy it in. Raises AdapterFileError, AdapterMismatchError or LibraryError."""
        path = path.expanduser().absolute()
        info = read_adapter(path)
        check_adapter(info, read_gguf(base_path))
        taken = {a.name.lower() for a in self.adapters()}
        stem = _slug(path.stem)
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{name}.gguf"
        if shutil.disk_usage(self.folder).free < info.file_size:
            raise LibraryError(f"Not enough disk space to copy {path.name} into {self.folder}.")
        digest = _copy_hashing(path, target)
        adapter = InstalledAdapter(name, target, target.stat().st_size, base_name, info.architecture, info.rank,
                                   info.alpha, digest, _now())
        data = {"version": 1, **adapter.as_dict(), "file": target.name}
        del data["path"]
        manifest = self.folder / f"{name}.json"
        temp = manifest.with_name(f".{manifest.name}.{os.getpid()}.tmp")
        try:
            temp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(temp, manifest)
        except OSError:
            target.unlink(missing_ok=True)
            temp.unlink(missing_ok=True)
            raise
        return adapter

    def delete(self, name: str) -> InstalledAdapter:
        adapter = self.find(name)
        if adapter.name.lower() != name.lower().removesuffix(".gguf"):
            raise ModelNotFoundError(f"No adapter is called '{name}' (did you mean '{adapter.name}'?).")
        (self.folder / f"{adapter.name}.json").unlink(missing_ok=True)
        adapter.path.unlink(missing_ok=True)
        return adapter


def fitting_models(adapter_path: Path, models: Sequence[tuple[str, Path]]) -> tuple[list[str], list[str]]:
    """Of `models` ((name, path) pairs), the names the adapter fits, and why each other does not."""
    info = read_adapter(adapter_path)
    fits, reasons = [], []
    for name, path in models:
        reason = compatible(info, path)
        if reason is None:
            fits.append(name)
        else:
            reasons.append(reason)
    return fits, reasons
