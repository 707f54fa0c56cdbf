"""The download queue: Hub models to the library, on a small pool of worker threads, Qt-free.

    manager = DownloadManager(Library(paths.models))
    unsubscribe = manager.subscribe(on_progress)      # called on worker threads
    job = manager.enqueue(DownloadRequest.from_remote(listing, model))
    manager.pause(job); manager.resume(job); manager.cancel(job)
    manager.wait(job)                                 # -> the final DownloadProgress
    manager.shutdown()                                # pauses running jobs; partial files stay

Progress is a frozen `DownloadProgress` (bytes done and total, speed over the last few seconds,
ETA, state, message). States: queued -> running -> done | failed | paused | cancelled; a paused
or failed job can be resumed, and resuming picks up the bytes already on disk.

Persistence: each job has a folder `<models>/.downloads/<job id>/` holding `job.json` (repo,
revision, name, files with sizes and sha256) and one `.part` file per file (models.hub.transfer).
`restore()` brings such jobs back as paused; enqueueing the same model again (same repo and file,
hence the same job id) continues them.

A job downloads its files one after the other (a split model's parts), verifies each, and only
when every part is verified moves them into `<models>/<owner>/<repo>/` (atomic renames on one
filesystem) and writes the library manifest; until then nothing is installed. Before starting,
the free disk space must cover the bytes still missing plus `DownloadSettings.disk_reserve`.
A file the listing gave no sha256 for has it asked again (`HubClient.file_sha256`); without one
it is refused, never installed unverified. Installing checks that every target lies inside the
models folder (`Library.contained`), whatever the Hub's names and commit id say.

What a stopped job leaves: a paused job keeps its folder (that is what resumes). A cancelled job
deletes it. A failed job keeps it only when it holds downloaded bytes that a retry can resume (a
network failure, a disk that filled up, verified parts before a corrupt one); otherwise (nothing
downloaded yet, a file gone from the repo, a gated repo, an unsafe answer) it is deleted.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from models.errors import (
    DiskSpaceError,
    DownloadError,
    GatedRepoError,
    HearthModelError,
    HubError,
    HubOfflineError,
    LibraryError,
)
from models.files import model_stem
from models.hub.client import HubClient, RemoteFile, offline_mode
from models.hub.jobs import (
    FINISHED,
    DownloadProgress,
    DownloadRequest,
    Job,
    JobLock,
    JobState,
    bytes_on_disk,
    read_job,
    write_job,
)
from models.hub.transfer import DownloadSettings, PartSpec, TransferControl, TransferStopped, fetch_part
from models.library import InstalledModel, Library, ModelFile
from models.private import private_folder

log = logging.getLogger(__name__)
ProgressCallback = Callable[[DownloadProgress], None]
__all__ = ["DownloadManager", "DownloadProgress", "DownloadRequest", "DownloadSettings", "JobState"]


class DownloadManager:
    """Thread-safe. Callbacks run on worker threads, one at a time, and must return quickly;
    a GUI forwards them to its own thread through queued signals."""

    SPEED_WINDOW_S = 3.0
    _install_lock = threading.Lock()  # shared by every manager in the process

    def __init__(
        self,
        library: Library,
        hub: HubClient | None = None,
        settings: DownloadSettings | None = None,
        session: Any = None,
    ) -> None:
        self.library = library
        self.hub = hub or HubClient()
        self.settings = settings or DownloadSettings()
        self._session = session
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._deliver = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._workers: list[threading.Thread] = []
        self._subscribers: list[ProgressCallback] = []
        self._closed = False

    # -- the public API ------------------------------------------------------------------------------

    def subscribe(self, callback: ProgressCallback) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def enqueue(self, request: DownloadRequest) -> str:
        """Queue a model (or continue its earlier download); returns the job id."""
        job_id = request.job_id
        with self._lock:
            if self._closed:
                raise RuntimeError("the download manager is shut down")
            job = self._jobs.get(job_id)
            if job is not None and job.state in ("queued", "running"):
                return job_id
            folder = self.library.downloads_dir / job_id
            job = Job(request, folder)
            job.bytes_done = bytes_on_disk(folder)
            self._jobs[job_id] = job
            write_job(folder, request)
            self._start_workers()
            self._queue.put(job_id)
        self._emit(job, force=True)
        return job_id

    def pause(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs[job_id]
            if job.state == "queued":
                job.state = "paused"
            elif job.state == "running":
                job.control.pause()
                return
            else:
                return
        self._emit(job, force=True)

    def resume(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs[job_id]
            if job.state not in ("paused", "failed"):
                return
            job.state, job.message, job.control = "queued", None, TransferControl()
            write_job(job.folder, job.request)  # a failed job may have cleaned its folder up
            self._start_workers()
            self._queue.put(job_id)
        self._emit(job, force=True)

    def cancel(self, job_id: str) -> None:
        """Stop a download and delete its partial files."""
        with self._lock:
            job = self._jobs[job_id]
            if job.state == "running":
                job.control.cancel()
                return
            if job.state in ("done", "cancelled"):
                return
            job.state = "cancelled"
            shutil.rmtree(job.folder, ignore_errors=True)
        self._emit(job, force=True)

    def progress(self, job_id: str) -> DownloadProgress:
        with self._lock:
            return self._jobs[job_id].snapshot()

    def jobs(self) -> list[DownloadProgress]:
        with self._lock:
            return [job.snapshot() for job in self._jobs.values()]

    def wait(self, job_id: str, timeout: float | None = None) -> DownloadProgress:
        """Block until the job stops running (done, failed, cancelled or paused) or `timeout` passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while self._jobs[job_id].state not in FINISHED:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._changed.wait(left)
            return self._jobs[job_id].snapshot()

    def restore(self, *, resume: bool = False) -> list[DownloadProgress]:
        """Bring back downloads a previous run left unfinished (paused, or queued with `resume`)."""
        restored = []
        for job_file in sorted(self.library.downloads_dir.glob("*/job.json")):
            request = read_job(job_file)
            if request is None:
                continue
            with self._lock:
                if request.job_id in self._jobs:
                    continue
                job = Job(request, job_file.parent, "paused")
                job.bytes_done = bytes_on_disk(job_file.parent)
                self._jobs[request.job_id] = job
            if resume:
                self.resume(request.job_id)
            restored.append(self.progress(request.job_id))
        return restored

    def shutdown(self, wait: bool = True) -> None:
        """Pause what runs (partial files stay for next time) and stop the workers."""
        with self._lock:
            self._closed = True
            for job in self._jobs.values():
                if job.state == "running":
                    job.control.pause()
            for _ in self._workers:
                self._queue.put(None)
            workers = list(self._workers)
        if wait:
            for worker in workers:
                worker.join()

    # -- the workers ----------------------------------------------------------------------------------

    def _start_workers(self) -> None:
        while len(self._workers) < self.settings.workers:
            worker = threading.Thread(target=self._work, name=f"download-{len(self._workers)}", daemon=True)
            self._workers.append(worker)
            worker.start()

    def _work(self) -> None:
        while (job_id := self._queue.get()) is not None:
            with self._lock:
                job = self._jobs[job_id]
                if job.state != "queued":
                    continue  # paused or cancelled while it waited
                job.state = "running"
                job.samples.clear()
                job.rate = 0.0
            self._emit(job, force=True)
            self._run(job)

    def _run(self, job: Job) -> None:
        try:
            installed = self._download(job)
            outcome: JobState = "done"
            job.installed = installed.name
        except TransferStopped as stop:
            outcome = "paused" if stop.reason == "pause" else "cancelled"
        except HearthModelError as exc:
            outcome, job.message = "failed", str(exc)
        except OSError as exc:  # the models folder is read-only, or the disk is full
            where = exc.filename or self.library.root
            outcome, job.message = "failed", f"Cannot install {job.request.name}: {exc.strerror or exc} ({where})."
        except Exception as exc:  # a bug must not kill the worker thread silently
            log.exception("Download of %s failed", job.request.name)
            outcome, job.message = "failed", f"Downloading {job.request.name} failed unexpectedly: {exc}."
        with self._lock:
            job.state = outcome
        self._emit(job, force=True)

    def _download(self, job: Job) -> InstalledModel:
        if offline_mode():  # the switch may have been turned on after the job was queued
            raise HubOfflineError(f"Cannot download {job.request.name}: offline mode is on (Settings, Network).")
        lock = JobLock(job.folder)
        if not lock.acquire():
            raise DownloadError(f"{job.request.name} is already downloading in another Hearth window or terminal.")
        keep = True
        try:
            installed = self._download_locked(job)
            keep = False
        except TransferStopped as stop:
            keep = stop.reason == "pause"
            raise
        except Exception as exc:
            keep = _resumable(exc) and bytes_on_disk(job.folder) > 0
            raise
        finally:
            lock.release()
            if not keep:  # after the release: Windows cannot delete the open lock file
                shutil.rmtree(job.folder, ignore_errors=True)
        return installed

    def _download_locked(self, job: Job) -> InstalledModel:
        request = job.request
        existing = self._already_installed(request)
        if existing is not None:
            job.bytes_done, job.message = request.size, f"Already installed as '{existing.name}'."
            return existing
        self._check_disk(job)
        request = self._with_checksums(job)
        headers = self.hub.headers()
        done = 0
        verified: list[tuple[Path, RemoteFile, str]] = []
        for index, remote in enumerate(request.files, start=1):
            job.part, job.bytes_done = index, done
            spec = PartSpec(
                url=self.hub.file_url(request.repo_id, remote.path, request.revision),
                size=remote.size,
                sha256=remote.sha256,
                path=job.folder / f"{index:05d}-{Path(remote.path).name}.part",
                label=Path(remote.path).name,
                repo_id=request.repo_id,
            )
            report = lambda n: self._on_bytes(job, n)  # noqa: E731
            digest = fetch_part(spec, headers, job.control, self.settings, report, self._session)
            done += remote.size
            verified.append((spec.path, remote, digest))
        return self._install(job, verified)

    def _with_checksums(self, job: Job) -> DownloadRequest:
        """The request with every file's sha256 known: asked again where the listing gave none.
        A file still without one is refused: nothing is installed that cannot be verified."""
        request = job.request
        if all(f.sha256 for f in request.files):
            return request
        files = []
        for remote in request.files:
            sha256 = remote.sha256 or self.hub.file_sha256(request.repo_id, remote.path, request.revision)
            if not sha256:
                raise DownloadError(
                    f"The Hub gives no sha256 for {remote.path}, so Hearth cannot verify it and does not install it."
                )
            files.append(replace(remote, sha256=sha256))
        job.request = replace(request, files=tuple(files))
        write_job(job.folder, job.request)
        return job.request

    def _install(self, job: Job, verified: list[tuple[Path, RemoteFile, str]]) -> InstalledModel:
        request = job.request
        library = self.library
        folder = library.hub_folder(request.repo_id)
        for _part, remote, _digest in verified:
            if library.find_by_path(folder / Path(remote.path).name) is not None:
                folder = folder / request.revision[:12]  # another revision of this file stays installed
                break
        # The one place downloaded files are installed: nothing lands outside the models folder.
        targets = [library.contained(folder / PurePosixPath(remote.path).name) for _p, remote, _d in verified]
        private_folder(library.contained(folder))
        with self._install_lock:  # two jobs finishing together must not pick the same name
            name = library.unique_name(model_stem(request.files[0].path))  # before the files land
            files = []
            for (part, remote, digest), target in zip(verified, targets, strict=True):
                os.replace(part, target)
                files.append(ModelFile(target, remote.size, digest, remote.path))
            model = InstalledModel(name, "hub", tuple(files), repo=request.repo_id, revision=request.revision)
            installed = library.register(model)
        job.verified = True
        return installed

    def _already_installed(self, request: DownloadRequest) -> InstalledModel | None:
        first = request.files[0]
        for model in self.library.models():
            same_file = model.repo == request.repo_id and model.files[0].repo_path == first.path
            same_bytes = first.sha256 is None or model.files[0].sha256 == first.sha256
            if same_file and same_bytes and model.available:
                return model
        return None

    def _check_disk(self, job: Job) -> None:
        private_folder(job.folder)
        missing = job.request.size - bytes_on_disk(job.folder)
        free = shutil.disk_usage(job.folder).free
        reserve = self.settings.disk_reserve
        if free - missing < reserve:
            gb = 1e9
            raise DiskSpaceError(
                f"Not enough disk space for {job.request.name}: it needs {missing / gb:.2f} GB more, "
                f"{free / gb:.2f} GB is free in {self.library.root} and Hearth keeps {reserve / gb:.2f} GB spare."
            )

    def _on_bytes(self, job: Job, n: int) -> None:
        job.bytes_done += n
        now = time.monotonic()
        if now - job.last_sample >= 0.05:  # called for every 64 KiB: keep it cheap
            job.last_sample = now
            job.measure(now, self.SPEED_WINDOW_S)
        if now - job.last_emit >= self.settings.progress_interval_s:
            self._emit(job)

    def _emit(self, job: Job, force: bool = False) -> None:
        # Snapshot and delivery under one lock: subscribers see a job's states in order, ending
        # with its current one. Never called with `_lock` held, so the two locks cannot deadlock.
        with self._deliver:
            with self._lock:
                job.last_emit = time.monotonic()
                snapshot = job.snapshot()
                subscribers = list(self._subscribers)
                if force:
                    self._changed.notify_all()
            for callback in subscribers:
                try:
                    callback(snapshot)
                except Exception:
                    log.exception("A download progress callback failed")


def _resumable(error: BaseException) -> bool:
    """Whether the bytes a failed job downloaded are worth keeping for a retry: after a network
    failure, a full disk or a corrupt part (the verified parts before it stay), yes; after a
    missing or gated file or an unsafe answer, a retry starts from nothing anyway."""
    if isinstance(error, HubOfflineError):
        return True
    if isinstance(error, (GatedRepoError, HubError, LibraryError)):
        return False
    return isinstance(error, (DownloadError, OSError))
