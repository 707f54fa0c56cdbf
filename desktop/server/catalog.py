"""Which models the server names, and what a request's `model` field points at.

Ids are the names `hearth chat -m` accepts: an installed model's library name, and for the
starter model its file's name (with "starter" as an alias). A request may name the loaded
model by its id, its file name or its file's stem. A name that is no installed model (a tool's
hard-coded "gpt-4o") is answered by the loaded model, as llama.cpp's own server does; naming an
installed model that is not loaded is a clear error unless the user lets the server switch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from models.engine import ModelInfo
from models.families import family_of
from models.files import read_gguf
from models.library import Library, embedding_models, starter_model_path

STARTER_ALIAS = "starter"
# How long a scan of the models folder is reused while the folder looks unchanged: requests that
# name no installed model (a tool's "gpt-4o") must not each read every model's header.
ENTRIES_TTL_S = 2.0


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    path: Path
    embedding: bool
    starter: bool = False

    def answers_to(self, name: str) -> bool:
        wanted = name.strip().lower()
        names = {self.id.lower(), self.path.name.lower(), self.path.stem.lower()}
        return wanted in names or (self.starter and wanted == STARTER_ALIAS)


def family_key(path: Path) -> str | None:
    """The model family of a file not loaded yet (its header alone is read)."""
    family = family_of(read_gguf(path))
    return family.key if family else None


class ModelCatalog:
    def __init__(self, models_dir: Path | None) -> None:
        self._models_dir = models_dir
        self._ids: dict[Path, CatalogEntry] = {}  # loaded model path -> id, so a request costs no folder scan
        self._scanned: tuple[float, tuple[int, ...], list[CatalogEntry]] | None = None
        self._lock = threading.Lock()

    def entries(self) -> list[CatalogEntry]:
        """Every installed model: the starter, then the library's chat and embedding models."""
        signature = self._signature()
        with self._lock:
            scanned = self._scanned
        if scanned is not None and scanned[1] == signature and time.monotonic() - scanned[0] < ENTRIES_TTL_S:
            return scanned[2]
        found = self._scan()
        with self._lock:
            self._scanned = (time.monotonic(), signature, found)
        return found

    def _signature(self) -> tuple[int, ...]:
        """Changes when a model is added or removed (the folder's and the manifests' times)."""
        if self._models_dir is None:
            return ()
        library = Library(self._models_dir)
        times = []
        for folder in (self._models_dir, library.manifest_dir):
            try:
                times.append(folder.stat().st_mtime_ns)
            except OSError:
                times.append(0)
        return tuple(times)

    def _scan(self) -> list[CatalogEntry]:
        starter = starter_model_path()
        found = [CatalogEntry(starter.stem, starter.resolve(), False, True)] if starter else []
        if self._models_dir is not None and self._models_dir.is_dir():
            embedders = {m.name for m in embedding_models(self._models_dir)}
            for model in Library(self._models_dir).models():
                if model.available:
                    found.append(CatalogEntry(model.name, model.path.resolve(), model.name in embedders))
        return found

    def entry_for(self, path: Path, info: ModelInfo | None = None) -> CatalogEntry:
        """The entry of a loaded model (one given by path, outside the library, gets its file's stem)."""
        with self._lock:
            known = self._ids.get(path)
        if known is None:
            match = next((e for e in self.entries() if e.path == path.resolve()), None)
            known = match or CatalogEntry(info.name if info else path.stem, path.resolve(), False)
            with self._lock:
                self._ids[path] = known
        return known

    def find(self, name: str) -> CatalogEntry | None:
        return next((e for e in self.entries() if e.answers_to(name)), None)
