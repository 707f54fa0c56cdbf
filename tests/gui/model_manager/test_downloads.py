"""The Downloads tab, driven from the window: progress with bytes, speed and time left; pause
(nothing moves, the partial file stays), resume (continues with a Range request, verifies,
installs), cancel, a corrupted file, and downloads a previous run left unfinished."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.model_manager import ModelManagerWindow
from desktop.ui.model_manager.downloads_tab import DownloadRow
from models.hub import DownloadManager, DownloadProgress, HubClient
from models.library import Library
from tests.fixtures.fake_hub import FakeHub, Faults
from tests.fixtures.hub_fixtures import HubModels, publish
from tests.gui.model_manager.conftest import FAST, LONG, REPO, MakeManager, request_for

BIG = "Big-Q4_K_M.gguf"


def start_from_hub_tab(
    window: ModelManagerWindow, qtbot: QtBot, file: str, hub: FakeHub | None = None, bytes_per_s: int | None = None
) -> DownloadRow:
    """Open the repo in the Hugging Face tab, pick the file, press Download: the row that appears.
    The file is served at `bytes_per_s` once the tab has read its header (for the fit badge)."""
    tab = window.hub_tab
    tab.open_repo(REPO)
    qtbot.waitUntil(lambda: file in tab.file_paths() and window.tasks.pending == 0, timeout=LONG)
    if hub is not None:
        hub.file(REPO, file).faults.bytes_per_s = bytes_per_s
    assert tab.select_file(file)
    qtbot.mouseClick(tab.download_button, Qt.MouseButton.LeftButton)
    window.tabs.setCurrentWidget(window.downloads_tab)  # where the user goes next
    rows = window.downloads_tab.rows
    qtbot.waitUntil(lambda: len(rows) == 1, timeout=LONG)
    return next(iter(rows.values()))


def leftovers(library: Library) -> list[Path]:
    folder = library.downloads_dir
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pause_and_resume_from_the_window(
    fake_hub: FakeHub, hub_models: HubModels, manager_window: ModelManagerWindow, library: Library, qtbot: QtBot
) -> None:
    published = publish(fake_hub, REPO, hub_models.large)
    row = start_from_hub_tab(manager_window, qtbot, BIG, fake_hub, bytes_per_s=1_000_000)
    qtbot.waitUntil(lambda: row.progress.state == "running" and row.progress.bytes_done > 300_000
                    and row.progress.speed > 0, timeout=LONG)
    figures = row.detail_label.text()
    assert " of " in figures and "/s" in figures and " left" in figures, figures
    assert 0 < row.bar.value() < 1000 and row.pause_button.isVisible() and not row.resume_button.isVisible()
    assert manager_window.tabs.tabText(3) == "Downloads (1)"
    assert manager_window.downloads_tab.summary.text().startswith("1 active")

    qtbot.mouseClick(row.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.progress.state == "paused", timeout=LONG)
    paused = row.progress.bytes_done
    assert 0 < paused < published.size
    assert row.detail_label.text().startswith("Paused at") and row.resume_button.isVisible()
    with qtbot.assertNotEmitted(manager_window.progress.progress_changed, wait=300):
        pass  # nothing moves while paused
    (part,) = library.downloads_dir.rglob("*.part")
    kept = part.stat().st_size
    assert 0 < kept < published.size and library.models() == []

    published.faults.bytes_per_s = None  # the rest comes quickly
    with qtbot.waitSignal(manager_window.library_changed, timeout=LONG):
        qtbot.mouseClick(row.resume_button, Qt.MouseButton.LeftButton)
    assert fake_hub.ranges_requested(BIG)[-1] == f"bytes={kept}-"  # picked up where it stopped
    model = library.find("Big-Q4_K_M")
    assert sha256(model.path) == published.sha256 == model.files[0].sha256
    assert row.progress.state == "done" and row.bar.value() == 1000
    assert row.detail_label.text() == "Installed as Big-Q4_K_M: sha256 verified."
    assert manager_window.tabs.tabText(3) == "Downloads" and leftovers(library) == []
    qtbot.waitUntil(lambda: manager_window.installed_tab.row_of("Big-Q4_K_M") >= 0)
    with qtbot.waitSignal(manager_window.model_chosen) as chosen:
        qtbot.mouseClick(row.use_button, Qt.MouseButton.LeftButton)
    assert chosen.args == [model.path]


def test_cancel_deletes_the_partial_download(
    fake_hub: FakeHub, hub_models: HubModels, manager_window: ModelManagerWindow, library: Library, qtbot: QtBot
) -> None:
    publish(fake_hub, REPO, hub_models.large)
    row = start_from_hub_tab(manager_window, qtbot, BIG, fake_hub, bytes_per_s=1_000_000)
    qtbot.waitUntil(lambda: row.progress.bytes_done > 100_000, timeout=LONG)
    with qtbot.assertNotEmitted(manager_window.library_changed, wait=0):
        qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: row.progress.state == "cancelled", timeout=LONG)
    assert row.detail_label.text() == "Cancelled; the partial download was deleted."
    assert leftovers(library) == [] and library.models() == []
    qtbot.mouseClick(row.clear_button, Qt.MouseButton.LeftButton)
    assert manager_window.downloads_tab.rows == {}
    manager_window.downloads_tab.sync()  # reopening the window does not bring a cleared row back
    assert manager_window.downloads_tab.rows == {}


def test_a_corrupted_download_is_deleted_and_says_so(
    fake_hub: FakeHub, hub_models: HubModels, manager_window: ModelManagerWindow, library: Library, qtbot: QtBot
) -> None:
    publish(fake_hub, REPO, hub_models.small, faults=Faults(flip_at=123_456))
    with qtbot.assertNotEmitted(manager_window.library_changed, wait=0):
        row = start_from_hub_tab(manager_window, qtbot, "Tiny-Q4_K_M.gguf")
        qtbot.waitUntil(lambda: row.progress.state == "failed", timeout=LONG)
    assert row.error.is_error and row.error.text() == (
        "Tiny-Q4_K_M.gguf failed verification (its sha256 does not match the Hub's), so the downloaded "
        "file was deleted; try again."
    )
    assert row.resume_button.text() == "Retry" and row.resume_button.isVisible()
    assert library.models() == [] and not list(library.root.rglob("*.gguf")) and not list(library.root.rglob("*.part"))
    assert manager_window.installed_tab.models == []


def test_downloads_a_previous_run_left_unfinished_come_back_paused(
    fake_hub: FakeHub, hub_models: HubModels, library: Library, downloads: DownloadManager,
    make_manager: MakeManager, qtbot: QtBot,
) -> None:
    published = publish(fake_hub, REPO, hub_models.large, faults=Faults(bytes_per_s=2_000_000))
    earlier = DownloadManager(library, HubClient(), FAST)  # the app's previous run
    try:
        job = earlier.enqueue(request_for(BIG))
        qtbot.waitUntil(lambda: earlier.progress(job).bytes_done > 500_000, timeout=LONG)
    finally:
        earlier.shutdown()  # quitting pauses it
    published.faults.bytes_per_s = None

    (restored,) = downloads.restore()  # what the app does at start
    window = make_manager()
    row = window.downloads_tab.rows[job]
    assert row.progress.state == "paused" and row.progress.bytes_done == restored.bytes_done > 500_000
    assert row.detail_label.text().startswith("Paused at") and window.tabs.tabText(3) == "Downloads (1)"
    with qtbot.waitSignal(window.library_changed, timeout=LONG):
        qtbot.mouseClick(row.resume_button, Qt.MouseButton.LeftButton)
    assert sha256(library.find("Big-Q4_K_M").path) == published.sha256
    last = fake_hub.ranges_requested(BIG)[-1]
    assert last is not None and int(last.removeprefix("bytes=").rstrip("-")) >= restored.bytes_done


def test_progress_reaches_the_window_coalesced_and_in_order(
    fake_hub: FakeHub, hub_models: HubModels, manager_window: ModelManagerWindow, downloads: DownloadManager,
    qtbot: QtBot,
) -> None:
    """The manager reports every 10 ms here (FAST); the window takes at most ~10 updates a second."""
    publish(fake_hub, REPO, hub_models.large)
    raw: list[DownloadProgress] = []
    shown: list[tuple[float, DownloadProgress]] = []
    downloads.subscribe(raw.append)
    manager_window.progress.progress_changed.connect(lambda p: shown.append((time.monotonic(), p)))
    row = start_from_hub_tab(manager_window, qtbot, BIG, fake_hub, bytes_per_s=2_000_000)
    qtbot.waitUntil(lambda: row.progress.bytes_done > 1_500_000, timeout=LONG)
    qtbot.mouseClick(row.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.progress.state == "paused", timeout=LONG)

    running = [t for t, p in shown if p.state == "running"]
    elapsed = running[-1] - running[0]
    assert len(running) <= elapsed / 0.1 + 3, (len(running), elapsed)
    assert sum(p.state == "running" for p in raw) > len(running)
    states = [p.state for _t, p in shown]
    assert states[0] == "queued" and states[-1] == "paused"
    assert states.index("paused") == len(states) - 1  # nothing "running" arrives after the pause
    done = [p.bytes_done for _t, p in shown]
    assert done == sorted(done)  # bytes never go backwards on screen
