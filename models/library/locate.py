"""Turn what a user types after `-m` into a model file: a path, `starter`, or an installed name.

Installed models are the library's (`models.library.installed.Library`): downloaded, imported, linked
(added without copying) and loose `.gguf` files in the models folder.
"""

from __future__ import annotations

from pathlib import Path

from models.errors import ModelNotFoundError
from models.library.installed import Library
from models.library.starter import INSTALL_HINT, STARTER_NAME, starter_model_path

STARTER_ALIAS = "starter"


def installed_models(models_dir: Path) -> list[Path]:
    """The file llama.cpp is given for each installed model (a split model's first part)."""
    return [model.path for model in Library(models_dir).models() if model.available]


def resolve_model(spec: str | None, models_dir: Path) -> Path:
    """`None` and "starter" (or its name in the window) mean the starter model; otherwise a path or
    an installed model's name."""
    if spec is None or spec.lower() in (STARTER_ALIAS, STARTER_NAME.lower()):
        path = starter_model_path()
        if path is None:
            raise ModelNotFoundError(f"The starter model is not installed. Install it with: {INSTALL_HINT}")
        return path
    candidate = Path(spec).expanduser()
    if candidate.is_file():
        return candidate.resolve()
    model = Library(models_dir).find(spec)
    if not model.available:
        missing = next(p for p in model.paths if not p.is_file())
        raise ModelNotFoundError(f"The model '{model.name}' is linked to {missing}, which is no longer there.")
    return model.path
