"""Where the starter model is found: the installed package, or a PyInstaller bundle's data folder."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from models.library import STARTER_FILE, STARTER_PACKAGE, starter_model_path


def _fake_bundle(root: Path) -> Path:
    folder = root / STARTER_PACKAGE
    folder.mkdir(parents=True)
    model = folder / STARTER_FILE
    model.write_bytes(b"GGUF")
    return model


def test_a_frozen_bundle_finds_the_model_in_its_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _fake_bundle(tmp_path)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    # No package to find: the frozen importer would not know the data-only package either.
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert starter_model_path() == model


def test_outside_a_bundle_the_data_folder_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_bundle(tmp_path)
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert starter_model_path() is None


def test_the_installed_package_is_found_without_importing_it() -> None:
    path = starter_model_path()
    assert path is not None and path.name == STARTER_FILE
    assert STARTER_PACKAGE not in sys.modules  # its __init__ imports the `llm` tool, which is not installed


def test_the_starter_model_answers_to_its_window_name(tmp_path: Path) -> None:
    from models.library import STARTER_NAME, resolve_model

    # An assistant saved in the window names its model as the model selector shows it.
    assert resolve_model(STARTER_NAME, tmp_path) == resolve_model("starter", tmp_path) == starter_model_path()
