"""The model manager window over real services: a Library in the test's HEARTH_HOME, a real
DownloadManager and HubClient, and (for tests that ask for it) the fake Hub on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.ui.model_manager import ModelManagerWindow
from models.engine import SafeModeMemory
from models.fit import CatalogEntry, FitCorrections
from models.hub import DownloadManager, DownloadRequest, DownloadSettings, HubClient
from models.library import Library
from tests.fixtures.hub_fixtures import fake_hub, hub_models

__all__ = ["fake_hub", "hub_models"]

REPO = "acme/Tiny-GGUF"
LONG = 30_000
# Quick retries, and progress reported far more often than the window wants it (the bridge coalesces).
FAST = DownloadSettings(backoff_s=0.01, backoff_max_s=0.05, read_timeout_s=5, progress_interval_s=0.01)


@pytest.fixture(autouse=True)
def other_tools_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Where discovery looks: a Hugging Face cache and an LM Studio folder inside the test's temp dir."""
    import models.library.discovery

    folders = {"hf_cache": tmp_path / "hf-cache", "lm_studio": tmp_path / "lmstudio-models"}
    monkeypatch.setenv("HF_HUB_CACHE", str(folders["hf_cache"]))
    monkeypatch.setattr(models.library.discovery, "lm_studio_dirs", lambda: [folders["lm_studio"]])
    return folders


@pytest.fixture
def library(hearth_home: Path) -> Library:
    folder = hearth_home / "models"
    folder.mkdir(parents=True, exist_ok=True)
    return Library(folder)


@pytest.fixture
def corrections(hearth_home: Path) -> FitCorrections:
    return FitCorrections(hearth_home / "fit_corrections.json")


@pytest.fixture
def downloads(library: Library) -> Iterator[DownloadManager]:
    manager = DownloadManager(library, HubClient(), FAST)
    yield manager
    manager.shutdown()


MakeManager = Callable[..., ModelManagerWindow]


@pytest.fixture
def make_manager(
    qtbot: QtBot, library: Library, downloads: DownloadManager, corrections: FitCorrections
) -> Iterator[MakeManager]:
    made: list[ModelManagerWindow] = []

    def make(
        *,
        catalog: Sequence[CatalogEntry] | None = None,
        manager: DownloadManager | None = None,
        max_context: int = 4096,
        safe_modes: SafeModeMemory | None = None,
    ) -> ModelManagerWindow:
        dialog = ModelManagerWindow(
            library, manager or downloads, HubClient(), corrections, max_context, catalog=catalog,
            safe_modes=safe_modes,
        )
        qtbot.addWidget(dialog)
        made.append(dialog)
        dialog.show()
        return dialog

    yield make
    for dialog in made:
        dialog.shutdown()  # before the DownloadManager's own shutdown (fixtures end in reverse)


@pytest.fixture
def manager_window(make_manager: MakeManager) -> ModelManagerWindow:
    return make_manager()


def request_for(file: str, repo: str = REPO) -> DownloadRequest:
    listing = HubClient().listing(repo)
    return DownloadRequest.from_remote(listing, listing.find(file))
