"""What a download is: the request, its progress as plain immutable values, and how an
unfinished one is kept on disk between runs (`<models>/.downloads/<job id>/job.json`).

Used by `models.hub.downloads.DownloadManager`; a GUI only ever sees `DownloadRequest` (what to fetch)
and `DownloadProgress` (a snapshot, safe to pass between threads).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from models.errors import HubError
from models.hub.client import RemoteFile, RemoteModel, RepoListing
from models.hub.transfer import TransferControl
from models.hub.untrusted import checked_repo_id, checked_repo_path, checked_revision, checked_sha256
from models.private import open_private, private_folder, write_private

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "paused", "done", "failed", "cancelled"]
FINISHED: frozenset[JobState] = frozenset({"done", "failed", "cancelled", "paused"})


@dataclass(frozen=True)
class DownloadRequest:
    repo_id: str
    revision: str
    name: str
    files: tuple[RemoteFile, ...]

    def __post_init__(self) -> None:
        # Every request, from a listing or from a job.json on disk, names only safe paths.
        checked_repo_id(self.repo_id)
        checked_revision(self.revision)
        if not self.files:
            raise HubError(f"{self.name}: a download needs at least one file.")
        for file in self.files:
            checked_repo_path(file.path)

    @classmethod
    def from_remote(cls, listing: RepoListing, model: RemoteModel) -> DownloadRequest:
        return cls(listing.repo_id, listing.revision, model.name, model.parts)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def job_id(self) -> str:
        """Stable across runs, so enqueueing the same file again continues its partial download."""
        return hashlib.sha1(f"{self.repo_id}\n{self.files[0].path}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DownloadProgress:
    job_id: str
    repo_id: str
    name: str
    state: JobState
    bytes_done: int
    bytes_total: int
    speed: float  # bytes/s over the last few seconds
    eta_s: float | None
    part: int  # 1-based: which file of the model is downloading
    parts: int
    message: str | None = None  # why it failed, or a note ("already installed")
    installed: str | None = None  # the library name once done
    verified: bool = False  # done, and every file's sha256 matched the Hub's

    @property
    def fraction(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total else 1.0


class Job:
    def __init__(self, request: DownloadRequest, folder: Path, state: JobState = "queued") -> None:
        self.request = request
        self.folder = folder
        self.state: JobState = state
        self.control = TransferControl()
        self.bytes_done = 0
        self.part = 1
        self.message: str | None = None
        self.installed: str | None = None
        self.verified = False
        self.samples: deque[tuple[float, int]] = deque()  # touched only by the job's worker thread
        self.rate = 0.0
        self.last_sample = 0.0
        self.last_emit = 0.0

    def measure(self, now: float, window_s: float) -> None:
        self.samples.append((now, self.bytes_done))
        while now - self.samples[0][0] > window_s:
            self.samples.popleft()
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        if t1 - t0 >= 0.2:  # too short a window says nothing
            self.rate = max(0.0, (b1 - b0) / (t1 - t0))

    def snapshot(self) -> DownloadProgress:
        request = self.request
        speed = self.rate if self.state == "running" else 0.0
        left = request.size - self.bytes_done
        return DownloadProgress(
            job_id=request.job_id,
            repo_id=request.repo_id,
            name=request.name,
            state=self.state,
            bytes_done=self.bytes_done,
            bytes_total=request.size,
            speed=speed,
            eta_s=left / speed if speed > 0 else None,
            part=self.part,
            parts=len(request.files),
            message=self.message,
            installed=self.installed,
            verified=self.verified,
        )


def bytes_on_disk(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.part")) if folder.is_dir() else 0


def write_job(folder: Path, request: DownloadRequest) -> None:
    data = {
        "repo_id": request.repo_id,
        "revision": request.revision,
        "name": request.name,
        "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in request.files],
    }
    write_private(folder / "job.json", json.dumps(data, indent=1))


def read_job(path: Path) -> DownloadRequest | None:
    try:
        data = json.loads(path.read_text())
        files = tuple(RemoteFile(f["path"], int(f["size"]), checked_sha256(f.get("sha256"))) for f in data["files"])
        return DownloadRequest(data["repo_id"], data["revision"], data["name"], files)
    except (OSError, ValueError, KeyError, TypeError, HubError):
        log.warning("Ignoring an unreadable or unsafe download record %s", path)
        return None


class JobLock:
    """An exclusive lock on a job's folder, held while it downloads: the window and a
    `hearth models pull` of the same model must not write one `.part` file together.
    The operating system releases it when the process dies, so a killed download never stays locked."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"
        self._handle: IO[bytes] | None = None

    def acquire(self) -> bool:
        private_folder(self.path.parent)
        handle = open_private(self.path, "a+b")
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the lock on every platform
            self._handle = None
