"""Downloads against a fake Hub that misbehaves: every failure mode ends installed-and-verified or
not-installed-with-a-reason, never with a corrupt model in the library."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.engine import Engine
from models.hub import DownloadManager, DownloadProgress, DownloadRequest, DownloadSettings, HubClient
from models.library import Library
from tests.fixtures.fake_hub import FakeHub, Faults
from tests.fixtures.hub_fixtures import TOKEN, HubModels, publish

REPO = "acme/Tiny-GGUF"
FAST = DownloadSettings(backoff_s=0.01, backoff_max_s=0.05, read_timeout_s=5, progress_interval_s=0.01)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(tmp_path / "models")


@pytest.fixture
def manager(library: Library) -> Iterator[DownloadManager]:
    manager = DownloadManager(library, HubClient(), FAST)
    yield manager
    manager.shutdown()


def request_for(file: str, repo: str = REPO) -> DownloadRequest:
    listing = HubClient().listing(repo)
    return DownloadRequest.from_remote(listing, listing.find(file))


def download(manager: DownloadManager, file: str, repo: str = REPO) -> DownloadProgress:
    return manager.wait(manager.enqueue(request_for(file, repo)), timeout=60)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(library: Library) -> list[Path]:
    return sorted(p for p in library.downloads_dir.rglob("*") if p.is_file()) if library.downloads_dir.exists() else []


def test_a_download_is_verified_installed_and_recorded(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    published = publish(fake_hub, REPO, hub_models.small)
    seen: list[DownloadProgress] = []
    manager.subscribe(seen.append)
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "done", final.message
    model = library.find(final.installed or "")
    assert model.origin == "hub" and model.repo == REPO
    assert model.revision == fake_hub.repos[REPO].commit
    assert model.files[0].sha256 == published.sha256 == sha256(model.path)
    assert model.path == library.root / "acme" / "Tiny-GGUF" / "Tiny-Q4_K_M.gguf"
    assert model.details is not None and model.details.architecture == "llama" and model.details.chat_template
    assert [p.state for p in seen][:2] == ["queued", "running"] and seen[-1].state == "done"
    assert seen[-1].bytes_done == seen[-1].bytes_total == published.size
    assert leftovers(library) == []


def test_a_dropped_connection_resumes_where_it_stopped(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    published = publish(fake_hub, REPO, hub_models.small, faults=Faults(drop_after=100_000, drop_times=2))
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "done", final.message
    assert fake_hub.ranges_requested("Tiny-Q4_K_M.gguf") == [None, "bytes=100000-", "bytes=200000-"]
    assert sha256(library.find("Tiny-Q4_K_M").path) == published.sha256


def test_two_server_errors_are_retried_with_backoff(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager
) -> None:
    publish(fake_hub, REPO, hub_models.small, faults=Faults(fail_first=2))
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "done", final.message
    assert fake_hub.ranges_requested("Tiny-Q4_K_M.gguf") == [None, None, None]


def test_a_server_that_keeps_failing_gives_up_and_keeps_the_bytes(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    hub_file = publish(fake_hub, REPO, hub_models.small, faults=Faults(drop_after=50_000, then_status=503))
    job = manager.enqueue(request_for("Tiny-Q4_K_M.gguf"))
    final = manager.wait(job, timeout=30)
    assert final.state == "failed"
    assert final.message == (
        "Downloading Tiny-Q4_K_M.gguf failed 6 times in a row (HTTP 503); the 0.0 MiB downloaded so far is kept, "
        "so trying again resumes."
    )
    assert library.models() == []
    hub_file.faults.then_status = None
    manager.resume(job)
    resumed = manager.wait(job, timeout=30)
    assert resumed.state == "done", resumed.message
    assert fake_hub.ranges_requested("Tiny-Q4_K_M.gguf")[-1] == "bytes=50000-"


def test_a_flipped_byte_is_rejected_deleted_and_never_installed(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    publish(fake_hub, REPO, hub_models.small, faults=Faults(flip_at=123_456))
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "failed"
    assert final.message == (
        "Tiny-Q4_K_M.gguf failed verification (its sha256 does not match the Hub's), so the downloaded "
        "file was deleted; try again."
    )
    assert library.models() == []
    assert not list(library.root.rglob("*.gguf")) and not list(library.root.rglob("*.part"))


def test_a_lie_about_the_size_stops_the_download(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    published = publish(fake_hub, REPO, hub_models.small)
    published.faults.announce_size = published.size + 1000
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "failed"
    assert final.message is not None
    assert f"offered {published.size + 1000:,} bytes" in final.message and "deleted" in final.message
    assert library.models() == [] and not list(library.root.rglob("*.part"))


def test_pause_resume_and_cancel_a_slow_download(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    published = publish(fake_hub, REPO, hub_models.large, faults=Faults(bytes_per_s=1_000_000))
    job = manager.enqueue(request_for("Big-Q4_K_M.gguf"))
    _wait_for(lambda: manager.progress(job).bytes_done > 300_000)
    running = manager.progress(job)
    assert running.state == "running" and running.speed > 0 and running.eta_s is not None
    manager.pause(job)
    paused = manager.wait(job, timeout=10)
    assert paused.state == "paused" and 0 < paused.bytes_done < published.size
    time.sleep(0.2)  # nothing moves while paused
    assert manager.progress(job).bytes_done == paused.bytes_done
    (part,) = library.downloads_dir.rglob("*.part")
    kept = part.stat().st_size

    manager.resume(job)
    _wait_for(lambda: manager.progress(job).bytes_done > kept + 200_000)
    assert fake_hub.ranges_requested("Big-Q4_K_M.gguf")[-1] == f"bytes={kept}-"
    manager.cancel(job)
    cancelled = manager.wait(job, timeout=10)
    assert cancelled.state == "cancelled"
    assert leftovers(library) == [] and library.models() == []


def test_disk_space_is_checked_before_any_byte_is_fetched(
    fake_hub: FakeHub, hub_models: HubModels, library: Library
) -> None:
    publish(fake_hub, REPO, hub_models.small)
    # A terabyte beyond what is free now: other processes freeing space meanwhile change nothing.
    reserve = shutil.disk_usage(library.root.parent).free + 10**12
    manager = DownloadManager(library, HubClient(), DownloadSettings(disk_reserve=reserve))
    try:
        final = download(manager, "Tiny-Q4_K_M.gguf")
    finally:
        manager.shutdown()
    assert final.state == "failed"
    assert final.message is not None and final.message.startswith("Not enough disk space for Tiny-Q4_K_M:")
    assert fake_hub.ranges_requested("Tiny-Q4_K_M.gguf") == []


def test_a_split_model_downloads_and_verifies_as_one(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    for part in hub_models.split:
        publish(fake_hub, REPO, part, name=f"Split-Q4_K_M/{part.name}")
    final = download(manager, "Q4_K_M")  # the label picks the split model: the only one
    assert final.state == "done", final.message
    assert final.parts == 3
    model = library.find("Split-Q4_K_M")
    assert [f.repo_path for f in model.files] == [f"Split-Q4_K_M/{p.name}" for p in hub_models.split]
    assert [sha256(p) for p in model.paths] == [sha256(p) for p in hub_models.split]
    engine = Engine()
    try:
        loaded = engine.load(model.path)  # llama.cpp finds the other parts next to the first
        assert loaded.layer_count == 3
    finally:
        engine.unload()


def test_a_corrupt_part_keeps_the_whole_split_model_out(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    for index, part in enumerate(hub_models.split):
        publish(fake_hub, REPO, part, faults=Faults(flip_at=1000) if index == 1 else None)
    final = download(manager, "Split-Q4_K_M")
    assert final.state == "failed" and final.message is not None and "failed verification" in final.message
    assert library.models() == []
    # The verified first part waits in the job folder; the corrupt second part is gone.
    assert [p.name for p in library.downloads_dir.rglob("*.part")] == [f"00001-{hub_models.split[0].name}.part"]


def test_an_unfinished_download_survives_a_restart(fake_hub: FakeHub, hub_models: HubModels, library: Library) -> None:
    published = publish(fake_hub, REPO, hub_models.large, faults=Faults(bytes_per_s=2_000_000))
    first = DownloadManager(library, HubClient(), FAST)
    job = first.enqueue(request_for("Big-Q4_K_M.gguf"))
    _wait_for(lambda: first.progress(job).bytes_done > 500_000)
    first.shutdown()  # the app quits
    published.faults.bytes_per_s = None

    second = DownloadManager(library, HubClient(), FAST)
    try:
        (restored,) = second.restore()
        assert restored.state == "paused" and restored.bytes_done > 500_000
        second.resume(restored.job_id)
        final = second.wait(restored.job_id, timeout=30)
    finally:
        second.shutdown()
    assert final.state == "done", final.message
    last_range = fake_hub.ranges_requested("Big-Q4_K_M.gguf")[-1]
    assert last_range is not None and int(last_range.removeprefix("bytes=").rstrip("-")) >= restored.bytes_done
    assert sha256(library.find("Big-Q4_K_M").path) == published.sha256


def test_a_model_already_installed_is_not_downloaded_again(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager
) -> None:
    publish(fake_hub, REPO, hub_models.small)
    assert download(manager, "Tiny-Q4_K_M.gguf").state == "done"
    again = download(manager, "Tiny-Q4_K_M.gguf")
    assert again.state == "done" and again.message == "Already installed as 'Tiny-Q4_K_M'."
    assert len(fake_hub.ranges_requested("Tiny-Q4_K_M.gguf")) == 1


def test_a_gated_repo_needs_a_token(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub.add_repo("meta/Gated-GGUF", gated=True)
    publish(fake_hub, "meta/Gated-GGUF", hub_models.small)
    refused = download(manager, "Tiny-Q4_K_M.gguf", repo="meta/Gated-GGUF")
    assert refused.state == "failed"
    assert refused.message == (
        "meta/Gated-GGUF is gated: accept its licence at https://huggingface.co/meta/Gated-GGUF and log in with "
        "`hf auth login` (or set HF_TOKEN)."
    )
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    allowed = DownloadManager(manager.library, HubClient(), FAST)
    try:
        assert download(allowed, "Tiny-Q4_K_M.gguf", repo="meta/Gated-GGUF").state == "done"
    finally:
        allowed.shutdown()
    auth = [r.authorization for r in fake_hub.requests if "/resolve/" in r.path]
    assert auth[0] is None and auth[-1] == f"Bearer {TOKEN}"


def _wait_for(condition: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    assert callable(condition)
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_callbacks_arrive_in_order_from_worker_threads(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager
) -> None:
    publish(fake_hub, REPO, hub_models.small)
    threads: set[str] = set()
    done = threading.Event()

    def on_progress(progress: DownloadProgress) -> None:
        if progress.state == "running":
            threads.add(threading.current_thread().name)
        if progress.state == "done":
            done.set()

    manager.subscribe(on_progress)
    download(manager, "Tiny-Q4_K_M.gguf")
    assert done.wait(5)
    assert threads and all(name.startswith("download-") for name in threads)


def test_one_model_downloads_in_one_process_at_a_time(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    """The window and a terminal's `hearth models pull` share the models folder."""
    publish(fake_hub, REPO, hub_models.large, faults=Faults(bytes_per_s=1_000_000))
    job = manager.enqueue(request_for("Big-Q4_K_M.gguf"))
    _wait_for(lambda: manager.progress(job).bytes_done > 100_000)
    other = DownloadManager(library, HubClient(), FAST)
    try:
        refused = other.wait(other.enqueue(request_for("Big-Q4_K_M.gguf")), timeout=10)
    finally:
        other.shutdown()
    assert refused.state == "failed"
    assert refused.message == "Big-Q4_K_M is already downloading in another Hearth window or terminal."
    manager.cancel(job)
    assert manager.wait(job, timeout=10).state == "cancelled"


def test_offline_mode_refuses_a_queued_download(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish(fake_hub, REPO, hub_models.small)
    request = request_for("Tiny-Q4_K_M.gguf")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # switched on after the listing was fetched
    final = manager.wait(manager.enqueue(request), timeout=60)
    assert final.state == "failed"
    assert "offline mode is on" in final.message
    assert fake_hub.ranges_requested("Tiny-Q4_K_M.gguf") == []  # no byte was asked for
    assert library.models() == []
