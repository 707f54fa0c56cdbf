"""One file from the Hub to disk: resumable, verified while it streams, retried when the network fails.

`fetch_part` writes into `<file>.part` next to a small state file `<file>.part.json` (url, size,
sha256 and the server's ETag). The bytes already in `.part` are the progress: nothing else needs
saving, so a killed process loses nothing it had written.

- Resume: `Range: bytes=<have>-` with `If-Range: <etag>`. A 206 must start exactly where the file
  ends; a 200 (the server ignored the range, or the file changed) starts over from byte 0.
- Hashing happens while the bytes stream in, on a helper thread (hashlib releases the GIL), so it
  overlaps the network instead of adding a second pass over the file. The one exception is a
  resume: hashlib objects cannot be saved, so the bytes already on disk are hashed once before
  the transfer continues.
- Size: the total the server announces (Content-Range or Content-Length) must be the size the
  Hub's metadata lists, and no byte past it is written; a mismatch deletes the partial file.
- Verification: at the end the sha256 must equal the Hub's LFS sha256; a mismatch deletes the
  partial file and says so (`ChecksumMismatchError`). A file without a sha256 to compare with is
  not downloaded at all: nothing is ever installed unverified.
- Redirects are followed (the Hub sends downloads to its CDN) over http(s) only; a redirect to
  another scheme (`file://`) or a loop is one clear DownloadError, never retried.
- Retries: timeouts, dropped connections and 408/429/5xx answers are retried with exponential
  backoff (`DownloadSettings.backoff_s` doubling up to `backoff_max_s`), resuming where the bytes
  stopped; the count of failures resets whenever an attempt made progress.
- Pause and cancel: a `TransferControl` flag checked between chunks (and during backoff sleeps);
  the transfer then raises `TransferStopped` and leaves the partial file as it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from models.cancel import CancelToken
from models.errors import ChecksumMismatchError, DownloadError, GatedRepoError, RepoNotFoundError
from models.hub.client import gated_message
from models.private import open_private, private_folder, write_private

log = logging.getLogger(__name__)

MIB = 1 << 20
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class DownloadSettings:
    retries: int = 5  # failures in a row (without progress) before giving up
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0
    connect_timeout_s: float = 15.0
    read_timeout_s: float = 30.0
    disk_reserve: int = 512 * MIB  # free space to leave on the disk after a download
    workers: int = 2  # downloads running at once
    progress_interval_s: float = 0.1  # how often progress is reported


@dataclass(frozen=True)
class PartSpec:
    url: str
    size: int
    sha256: str | None
    path: Path  # the `.part` file
    label: str  # the file's name, for messages
    repo_id: str


class TransferStopped(Exception):
    """Raised out of a transfer that was paused or cancelled (not an error)."""

    def __init__(self, reason: Literal["pause", "cancel"]) -> None:
        super().__init__(reason)
        self.reason: Literal["pause", "cancel"] = reason


class TransferControl(CancelToken):
    """Pause or cancel from any thread; the transfer notices between chunks. A pause is a
    cancellation that keeps the partial file for a later resume."""

    def __init__(self) -> None:
        super().__init__()
        self.reason: Literal["pause", "cancel"] | None = None

    def pause(self) -> None:
        if self.reason is None:
            self.reason = "pause"
        super().cancel()

    def cancel(self) -> None:
        self.reason = "cancel"
        super().cancel()

    def check(self) -> None:
        if self.cancelled:
            raise TransferStopped(self.reason or "pause")

    def sleep(self, seconds: float) -> None:
        """Wait, waking at once if paused or cancelled."""
        if self.wait(seconds):
            self.check()


class _Retry(Exception):
    """A failure worth another attempt."""


class HashPipe:
    """sha256 of a stream, computed on a helper thread while the stream goes on.

    `update` only collects chunks; every ~2 MiB the batch goes to the thread, which joins it and
    hashes it in one call. hashlib releases the GIL while it hashes, so the hashing runs on another
    core; one call per batch (not per 64 KiB chunk) keeps the hand-overs of the GIL between the
    two threads rare. At most 8 batches wait, so a slow hasher slows the download instead of
    filling memory."""

    _BATCH = 2 * MIB

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._queue: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=8)
        self._batch: list[bytes] = []
        self._batched = 0
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            self._digest.update(b"".join(batch))

    def update(self, chunk: bytes) -> None:
        self._batch.append(chunk)
        self._batched += len(chunk)
        if self._batched >= self._BATCH:
            self._queue.put(self._batch)
            self._batch, self._batched = [], 0

    def hexdigest(self) -> str:
        self.close()
        return self._digest.hexdigest()

    def close(self) -> None:
        if self._thread.is_alive():
            if self._batch:
                self._queue.put(self._batch)
                self._batch = []
            self._queue.put(None)
            self._thread.join()


def state_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def discard(part: Path) -> None:
    part.unlink(missing_ok=True)
    state_path(part).unlink(missing_ok=True)


def fetch_part(
    spec: PartSpec,
    headers: Mapping[str, str],
    control: TransferControl,
    settings: DownloadSettings,
    on_bytes: Callable[[int], None],
    session: Any = None,
) -> str:
    """Download (or finish downloading) one file into `spec.path`; return its verified sha256.

    `on_bytes(n)` is called from this thread as bytes arrive (first with the bytes already on
    disk). Raises TransferStopped, ChecksumMismatchError, GatedRepoError, RepoNotFoundError or
    DownloadError; only a checksum or size mismatch deletes the partial file."""
    if session is None:
        from huggingface_hub import get_session

        session = get_session()
    return _Transfer(spec, dict(headers), control, settings, on_bytes, session).run()


class _Transfer:
    def __init__(
        self,
        spec: PartSpec,
        headers: dict[str, str],
        control: TransferControl,
        settings: DownloadSettings,
        on_bytes: Callable[[int], None],
        session: Any,
    ) -> None:
        self.spec, self.headers, self.control, self.settings = spec, headers, control, settings
        self.on_bytes, self.session = on_bytes, session
        self.etag: str | None = None
        self.verified: str | None = None
        self.offset = 0

    def run(self) -> str:
        spec = self.spec
        if not spec.sha256:
            raise DownloadError(
                f"The Hub gives no sha256 for {spec.label}, so Hearth cannot verify it and does not download it."
            )
        private_folder(spec.path.parent)
        verified = self._load_state()
        if verified is not None:  # verified by an earlier run (a finished part of a split model)
            self.on_bytes(spec.size)
            return verified
        try:
            with open_private(spec.path, "ab", buffering=0) as handle:
                self.hasher = HashPipe()
                try:
                    self._resume(handle)
                    self._download(handle)
                finally:
                    self.hasher.close()
        except ChecksumMismatchError:
            discard(spec.path)  # once closed: Windows cannot delete an open file
            raise
        digest = self.hasher.hexdigest()
        if self.offset != spec.size:
            discard(spec.path)
            raise ChecksumMismatchError(
                f"{spec.label} came out at {self.offset:,} bytes instead of the {spec.size:,} the Hub lists, "
                "so the download was deleted; try again."
            )
        if digest != spec.sha256.lower():
            discard(spec.path)
            raise ChecksumMismatchError(
                f"{spec.label} failed verification (its sha256 does not match the Hub's), so the downloaded "
                "file was deleted; try again."
            )
        self.verified = digest
        self._save_state()
        return digest

    # -- state -----------------------------------------------------------------------------------

    def _load_state(self) -> str | None:
        """Keep a partial file only if it belongs to this very file; return its digest if already verified."""
        spec = self.spec
        try:
            state = json.loads(state_path(spec.path).read_text())
        except (OSError, ValueError):
            state = None
        same = (
            isinstance(state, dict)
            and state.get("size") == spec.size
            and state.get("sha256") == spec.sha256
            and (spec.sha256 is not None or state.get("url") == spec.url)
        )
        if not same:  # a partial file from another version of the file, or of unknown origin
            spec.path.unlink(missing_ok=True)
            state = {}
        assert isinstance(state, dict)
        self.etag = state.get("etag")
        verified = state.get("verified")
        if isinstance(verified, str) and spec.path.is_file() and spec.path.stat().st_size == spec.size:
            self.verified = verified
            return verified
        self._save_state()
        return None

    def _save_state(self) -> None:
        spec = self.spec
        data = {"url": spec.url, "size": spec.size, "sha256": spec.sha256, "etag": self.etag, "verified": self.verified}
        write_private(state_path(spec.path), json.dumps(data))

    def _resume(self, handle: Any) -> None:
        """Hash what is already on disk (the one second pass, only on resume)."""
        have = os.fstat(handle.fileno()).st_size
        if have > self.spec.size:
            self._restart(handle)
            return
        with self.spec.path.open("rb") as existing:
            while chunk := existing.read(MIB):
                self.hasher.update(chunk)
        self.offset = have
        if have:
            log.info("Resuming %s at byte %d", self.spec.label, have)
            self.on_bytes(have)

    def _restart(self, handle: Any) -> None:
        handle.truncate(0)
        self.hasher.close()
        self.hasher = HashPipe()
        if self.offset:
            self.on_bytes(-self.offset)
        self.offset = 0

    # -- the transfer ------------------------------------------------------------------------------

    def _download(self, handle: Any) -> None:
        import httpx2

        settings = self.settings
        timeout = httpx2.Timeout(
            settings.read_timeout_s, connect=settings.connect_timeout_s, pool=settings.connect_timeout_s
        )
        failures = 0
        while self.offset < self.spec.size:
            self.control.check()
            before = self.offset
            try:
                self._attempt(handle, timeout)
                continue
            except (_Retry, httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError) as exc:
                reason = str(exc) or type(exc).__name__
            except (httpx2.TooManyRedirects, httpx2.UnsupportedProtocol, httpx2.InvalidURL) as exc:
                raise DownloadError(
                    f"Downloading {self.spec.label} failed: the server redirected to an address Hearth does not "
                    f"follow ({exc})."
                ) from exc
            except httpx2.HTTPError as exc:
                raise DownloadError(f"Downloading {self.spec.label} failed: {exc or type(exc).__name__}.") from exc
            except OSError as exc:
                raise DownloadError(
                    f"Cannot write {self.spec.label} ({exc.strerror or exc}); what was downloaded is kept, "
                    "and the same download resumes once that is fixed."
                ) from exc
            failures = 1 if self.offset > before else failures + 1
            if failures > settings.retries:
                raise DownloadError(
                    f"Downloading {self.spec.label} failed {failures} times in a row ({reason}); the "
                    f"{self.offset / MIB:.1f} MiB downloaded so far is kept, so trying again resumes."
                )
            delay = min(settings.backoff_max_s, settings.backoff_s * 2 ** (failures - 1))
            log.info("Retrying %s in %.1fs after: %s", self.spec.label, delay, reason)
            self.control.sleep(delay)

    def _attempt(self, handle: Any, timeout: Any) -> None:
        spec = self.spec
        headers = dict(self.headers)
        if self.offset:
            headers["Range"] = f"bytes={self.offset}-"
            if self.etag:
                headers["If-Range"] = self.etag
        with self.session.stream("GET", spec.url, headers=headers, timeout=timeout) as response:
            self._check_status(response.status_code, handle)
            if response.status_code == 206:
                match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
                if match is None or int(match[1]) != self.offset:
                    self._restart(handle)  # an answer for other bytes than asked: start clean
                    raise _Retry(f"the server answered the range {response.headers.get('Content-Range')!r}")
                announced = int(match[3]) if match[3] != "*" else spec.size
            else:
                if self.offset:
                    self._restart(handle)  # 200 to a range request: the whole file again
                announced = int(response.headers.get("Content-Length", spec.size))
            if announced != spec.size:
                raise ChecksumMismatchError(
                    f"The server offered {announced:,} bytes for {spec.label} but the Hub lists {spec.size:,}, "
                    "so the download was stopped and deleted; try again later."
                )
            etag = response.headers.get("X-Linked-Etag") or response.headers.get("ETag")
            if etag and etag != self.etag:
                self.etag = etag
                self._save_state()
            self._stream(response, handle)

    def _check_status(self, status: int, handle: Any) -> None:
        spec = self.spec
        if status in _RETRY_STATUS:
            raise _Retry(f"HTTP {status}")
        if status in (401, 403):
            raise GatedRepoError(gated_message(spec.repo_id))
        if status == 404:
            raise RepoNotFoundError(f"{spec.label} is no longer in {spec.repo_id} at this revision.")
        if status == 416:
            self._restart(handle)  # the server has fewer bytes than we hold: they cannot be trusted
            raise _Retry("the server refused the range")
        if status >= 400 or status not in (200, 206):
            raise DownloadError(f"Downloading {spec.label} failed: the server answered HTTP {status}.")

    def _stream(self, response: Any, handle: Any) -> None:
        size, write, update, report = self.spec.size, handle.write, self.hasher.update, self.on_bytes
        check = self.control.check
        for chunk in response.iter_raw():
            check()
            n = len(chunk)
            if self.offset + n > size:
                raise ChecksumMismatchError(
                    f"The server sent more than the {size:,} bytes the Hub lists for {self.spec.label}, "
                    "so the download was stopped and deleted; try again later."
                )
            write(chunk)
            update(chunk)
            self.offset += n
            report(n)
