"""Which models the server names, and what a request's `model` field points at.

Ids are the names `hearth chat -m` accepts: an installed model's library name, and for the
starter model its file's name (with "starter" as an alias). A request may name the loaded
model by its id, its file name or its file's stem. A name that is no installed model (a tool's
hard-coded "gpt-4o") is answered by the loaded model, as llama.cpp's own server does; naming an
installed model that is not loaded is a clear error unless the user lets the server switch.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from models.engine import ModelInfo
from models.families import family_of
from models.files import read_gguf
from models.library import Library, embedding_models, starter_model_path

STARTER_ALIAS = "starter"


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
        self._lock = threading.Lock()

    def entries(self) -> list[CatalogEntry]:
        """Every installed model: the starter, then the library's chat and embedding models."""
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
