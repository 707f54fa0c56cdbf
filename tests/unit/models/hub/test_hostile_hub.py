"""A hostile Hub (anything at HF_ENDPOINT can answer anything): its commit ids and file names never
become paths outside the models folder, nothing it serves is installed unverified, and redirects
to other schemes or in circles end as one clear sentence."""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.errors import HubError
from models.hub import DownloadManager, DownloadProgress, DownloadRequest, DownloadSettings, HubClient, RemoteFile
from models.library import Library
from tests.fixtures.fake_hub import FakeHub, Faults, Hostile
from tests.fixtures.hub_fixtures import HubModels, publish

REPO = "acme/Tiny-GGUF"
FAST = DownloadSettings(backoff_s=0.01, backoff_max_s=0.05, read_timeout_s=5, progress_interval_s=0.01)
GOOD_COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(tmp_path / "data" / "models")


@pytest.fixture
def manager(library: Library) -> Iterator[DownloadManager]:
    manager = DownloadManager(library, HubClient(), FAST)
    yield manager
    manager.shutdown()


def download(manager: DownloadManager, file: str, repo: str = REPO) -> DownloadProgress:
    listing = HubClient().listing(repo)
    return manager.wait(manager.enqueue(DownloadRequest.from_remote(listing, listing.find(file))), timeout=60)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize("commit", ["../../../../x", "../" * 12 + "a" * 4, "main", "A" * 40, "0" * 39, ""])
def test_a_commit_id_that_is_not_one_is_refused(
    fake_hub: FakeHub, hub_models: HubModels, library: Library, tmp_path: Path, commit: str
) -> None:
    fake_hub.add_repo(REPO, commit=commit)
    publish(fake_hub, REPO, hub_models.small)
    with pytest.raises(HubError, match="invalid commit id"):
        HubClient().listing(REPO)
    with pytest.raises(HubError, match="invalid commit id"):
        DownloadRequest(REPO, commit, "Tiny", (RemoteFile("Tiny.gguf", 10, "a" * 64),))
    assert files_under(tmp_path / "data") == []


def test_a_second_revision_installs_in_a_commit_folder_inside_the_models_folder(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    publish(fake_hub, REPO, hub_models.small)
    assert download(manager, "Tiny-Q4_K_M.gguf").state == "done"
    fake_hub.repos[REPO].commit = GOOD_COMMIT
    publish(fake_hub, REPO, hub_models.small_q8, name="Tiny-Q4_K_M.gguf")  # the same name, new bytes
    second = download(manager, "Tiny-Q4_K_M.gguf")
    assert second.state == "done", second.message
    model = library.find(second.installed or "")
    assert model.path == library.root / "acme" / "Tiny-GGUF" / GOOD_COMMIT[:12] / "Tiny-Q4_K_M.gguf"


@pytest.mark.parametrize(
    "name", ["../evil.gguf", "/tmp/evil.gguf", "C:evil.gguf", "sub\\evil.gguf", "a/../evil.gguf", ".hidden.gguf",
             "a//b.gguf", "ev\x1bil.gguf"],
)
def test_a_file_name_that_could_leave_the_folder_is_refused(
    fake_hub: FakeHub, hub_models: HubModels, tmp_path: Path, name: str
) -> None:
    publish(fake_hub, REPO, hub_models.small, name=name)
    with pytest.raises(HubError, match="unsafe name"):
        HubClient().listing(REPO)
    with pytest.raises(HubError, match="unsafe name"):
        DownloadRequest(REPO, GOOD_COMMIT, "evil", (RemoteFile(name, 10, "a" * 64),))


def test_a_file_in_a_repo_folder_installs_under_its_own_name(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    publish(fake_hub, REPO, hub_models.small, name="Q4_K_M/Tiny-Q4_K_M.gguf")
    final = download(manager, "Q4_K_M/Tiny-Q4_K_M.gguf")
    assert final.state == "done", final.message
    model = library.find(final.installed or "")
    assert model.path == library.root / "acme" / "Tiny-GGUF" / "Tiny-Q4_K_M.gguf"
    assert model.files[0].repo_path == "Q4_K_M/Tiny-Q4_K_M.gguf"


def test_an_install_folder_that_leads_outside_is_refused(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    library.root.mkdir(parents=True)
    (library.root / "acme").symlink_to(outside)  # planted, or a folder moved behind Hearth's back
    publish(fake_hub, REPO, hub_models.small)
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "failed" and final.message is not None and "outside the models folder" in final.message
    assert files_under(outside) == [] and library.models() == []
    assert files_under(library.downloads_dir) == []


def test_an_empty_sha256_is_asked_again_and_verified(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    hub_file = publish(fake_hub, REPO, hub_models.small)
    hub_file.hostile = Hostile(listed_sha256="")
    hub_file.faults = Faults(flip_at=1000)
    assert HubClient().listing(REPO).models[0].parts[0].sha256 is None
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "failed" and final.message is not None and "failed verification" in final.message
    assert library.models() == [] and files_under(library.downloads_dir) == []
    hub_file.faults = Faults()
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "done" and final.verified
    assert library.find("Tiny-Q4_K_M").files[0].sha256 == hub_file.sha256


def test_a_model_without_lfs_metadata_takes_its_sha256_from_the_linked_etag(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    hub_file = publish(fake_hub, REPO, hub_models.small)
    hub_file.hostile = Hostile(no_lfs=True)
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "done" and final.verified, final.message
    assert library.find("Tiny-Q4_K_M").files[0].sha256 == hub_file.sha256


def test_a_file_without_any_sha256_is_never_installed(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    hub_file = publish(fake_hub, REPO, hub_models.small)
    hub_file.hostile = Hostile(no_lfs=True, no_linked_etag=True)
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "failed" and not final.verified
    assert final.message == (
        "The Hub gives no sha256 for Tiny-Q4_K_M.gguf, so Hearth cannot verify it and does not install it."
    )
    assert fake_hub.ranges_requested("Tiny-Q4_K_M.gguf") == []  # not one byte fetched
    assert library.models() == [] and files_under(library.root) == []


def test_a_listing_without_the_sha256_key_is_refused_in_one_sentence(
    fake_hub: FakeHub, hub_models: HubModels
) -> None:
    publish(fake_hub, REPO, hub_models.small).hostile = Hostile(omit_sha256=True)
    with pytest.raises(HubError, match="could not be understood"):
        HubClient().listing(REPO)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "loop"])
def test_a_download_redirected_elsewhere_fails_cleanly(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library,
    caplog: pytest.LogCaptureFixture, target: str,
) -> None:
    publish(fake_hub, REPO, hub_models.small, faults=Faults(redirect=target))
    with caplog.at_level(logging.WARNING):
        final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "failed" and final.message is not None
    assert "redirected to an address Hearth does not follow" in final.message
    assert not [r for r in caplog.records if r.exc_info], "no traceback is logged"
    assert library.models() == [] and files_under(library.root) == []


@pytest.mark.parametrize("target", ["file:///etc/passwd", "loop"])
def test_an_api_redirected_elsewhere_is_one_sentence(fake_hub: FakeHub, hub_models: HubModels, target: str) -> None:
    publish(fake_hub, REPO, hub_models.small)
    fake_hub.api_redirect = target
    with pytest.raises(HubError, match="redirected to an address Hearth does not follow"):
        HubClient().listing(REPO)
    with pytest.raises(HubError, match="redirected to an address Hearth does not follow"):
        HubClient().search("tiny")


def test_a_failed_job_leaves_no_folder_behind_unless_it_can_resume(
    fake_hub: FakeHub, hub_models: HubModels, manager: DownloadManager, library: Library
) -> None:
    hub_file = publish(fake_hub, REPO, hub_models.small, faults=Faults(status=404))
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "failed" and "no longer in" in (final.message or "")
    assert files_under(library.downloads_dir) == []  # nothing to resume: no .lock, job.json or .part
    hub_file.faults = Faults(drop_after=50_000, then_status=503)
    final = download(manager, "Tiny-Q4_K_M.gguf")
    assert final.state == "failed" and "is kept" in (final.message or "")
    kept = [p.name for p in files_under(library.downloads_dir)]
    assert "job.json" in kept and any(name.endswith(".part") for name in kept)


def test_a_job_record_with_an_unsafe_revision_is_ignored(library: Library) -> None:
    folder = library.downloads_dir / "0123456789abcdef"
    folder.mkdir(parents=True)
    (folder / "job.json").write_text(
        '{"repo_id": "acme/Tiny-GGUF", "revision": "../../../x", "name": "Tiny", '
        '"files": [{"path": "Tiny.gguf", "size": 10, "sha256": null}]}'
    )
    assert DownloadManager(library, HubClient(), FAST).restore() == []


def test_a_partial_download_is_private_whatever_the_umask(
    fake_hub: FakeHub, hub_models: HubModels, library: Library
) -> None:
    previous = os.umask(0o022)
    manager = DownloadManager(library, HubClient(), FAST)
    try:
        publish(fake_hub, REPO, hub_models.large, faults=Faults(bytes_per_s=1_000_000))
        listing = HubClient().listing(REPO)
        job = manager.enqueue(DownloadRequest.from_remote(listing, listing.find("Big-Q4_K_M.gguf")))
        deadline = time.monotonic() + 30
        while manager.progress(job).bytes_done < 200_000 and time.monotonic() < deadline:
            time.sleep(0.02)
        folder = library.downloads_dir / job
        names = {p.name for p in folder.iterdir()}
        assert {"job.json", ".lock"} <= names and any(n.endswith(".part") for n in names)
        manager.pause(job)
        manager.wait(job, timeout=30)
        for path in [library.root, library.downloads_dir, folder, *folder.iterdir()]:
            expected = 0o700 if path.is_dir() else 0o600
            assert stat.S_IMODE(path.stat().st_mode) == expected, path
    finally:
        manager.shutdown()
        os.umask(previous)
