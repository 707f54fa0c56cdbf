"""The Hugging Face Hub, as the model manager needs it: search GGUF repos, list a repo's GGUF files
with sizes, sha256 and quantization labels (split parts grouped into one model), and the URL and
headers that download a file.

- Endpoint: `HF_ENDPOINT` read from the environment at call time (huggingface_hub reads it once,
  at import), falling back to huggingface_hub's `constants.ENDPOINT`. Tests point it at a fake Hub.
- Token: huggingface_hub's usual place (`get_token()`: `HF_TOKEN`, then the token file written by
  `hf auth login`), unless one is passed.
- Offline: `HF_HUB_OFFLINE=1` (read at call time) stops every request with `HubOfflineError`.
- No network: huggingface_hub retries a failed connection with backoff for about 20 s, so each
  metadata call first opens one TCP connection to the Hub (3 s at most; a success is trusted for
  a minute) and says at once when there is no route, no name resolution or no answer. Behind
  a proxy (`HTTPS_PROXY`...) the proxy decides, so the probe is skipped.
- Every failure becomes one plain sentence: `GatedRepoError` (401/403 on a gated repo),
  `RepoNotFoundError` (no such repo, revision or file), `HubOfflineError` (no connection, timeouts,
  offline mode), or `HubError` (anything else the Hub answered).

A `HubListing` pins the repo's commit: downloads resolve files at that commit, so a download
resumed tomorrow fetches the same bytes even if the repo changed since.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from models.errors import GatedRepoError, HubError, HubOfflineError, RepoNotFoundError
from models.files import is_gguf, model_stem, quant_label, split_name
from models.hub.untrusted import (
    checked_repo_id,
    checked_repo_path,
    checked_revision,
    checked_sha256,
    checked_size,
)

log = logging.getLogger(__name__)

SortKey = Literal["downloads", "likes", "recent", "updated"]
_SORTS: dict[str, str] = {
    "downloads": "downloads",
    "likes": "likes",
    "recent": "created_at",
    "updated": "last_modified",
}
T = TypeVar("T")
PROBE_TIMEOUT_S = 3.0
PROBE_TRUSTED_S = 60.0
_reached: dict[str, float] = {}  # endpoint -> when a probe last reached it
_reached_lock = threading.Lock()


def hub_endpoint() -> str:
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def offline_mode() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


@dataclass(frozen=True)
class RepoSummary:
    repo_id: str
    downloads: int
    likes: int
    created_at: str | None
    last_modified: str | None
    gated: bool | None  # None: the search did not say
    tags: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "tags": list(self.tags)}


@dataclass(frozen=True)
class RemoteFile:
    path: str  # in the repo
    size: int
    sha256: str | None  # the LFS sha256 (every GGUF on the Hub is an LFS file)


@dataclass(frozen=True)
class RemoteModel:
    """One model in a repo: a single `.gguf`, or every part of a split one."""

    name: str
    quantization: str | None
    parts: tuple[RemoteFile, ...]
    projector: bool = False  # a vision projector (`mmproj-*.gguf`), not a model to chat with

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts)

    @property
    def path(self) -> str:
        return self.parts[0].path

    @property
    def complete(self) -> bool:
        split = split_name(self.path)
        return split is None or len(self.parts) == split.count

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.path,
            "quantization": self.quantization,
            "size": self.size,
            "parts": [{"path": p.path, "size": p.size, "sha256": p.sha256} for p in self.parts],
            "projector": self.projector,
        }


@dataclass(frozen=True)
class RepoListing:
    repo_id: str
    revision: str  # the commit every file is resolved at
    gated: bool
    models: tuple[RemoteModel, ...]

    def find(self, filename: str) -> RemoteModel:
        """A model by any of its parts' paths, its base name, or its quantization label."""
        wanted = filename.lower().removesuffix(".gguf")
        for model in self.models:
            names = {p.path.lower().removesuffix(".gguf") for p in model.parts} | {model.name.lower()}
            if wanted in names or wanted in {n.rsplit("/", 1)[-1] for n in names}:
                return model
        by_quant = [m for m in self.models if (m.quantization or "").lower() == wanted and not m.projector]
        if len(by_quant) == 1:
            return by_quant[0]
        available = ", ".join(m.path for m in self.models) or "none"
        raise RepoNotFoundError(f"{self.repo_id} has no GGUF file '{filename}'. Its GGUF files: {available}.")


def group_files(files: list[RemoteFile]) -> tuple[RemoteModel, ...]:
    """GGUF files as models: split parts (`-0000k-of-0000n`) grouped and ordered under their first part."""
    singles: list[RemoteModel] = []
    splits: dict[tuple[str, str, int], list[tuple[int, RemoteFile]]] = {}
    for file in files:
        if not is_gguf(file.path):
            continue
        split = split_name(file.path)
        if split is None:
            singles.append(_model([file]))
            continue
        folder = file.path.rpartition("/")[0]
        splits.setdefault((folder, split.base, split.count), []).append((split.index, file))
    grouped = [_model([f for _, f in sorted(parts)]) for parts in splits.values()]
    return tuple(sorted(singles + grouped, key=lambda m: (m.projector, m.size)))


def _model(parts: list[RemoteFile]) -> RemoteModel:
    name = model_stem(parts[0].path)
    return RemoteModel(name, quant_label(parts[0].path), tuple(parts), projector=name.lower().startswith("mmproj"))


class HubClient:
    """Metadata calls to the Hub through huggingface_hub's `HfApi` (and its shared HTTP session)."""

    def __init__(self, endpoint: str | None = None, token: str | None = None) -> None:
        self._endpoint = endpoint
        self._token = token

    @property
    def endpoint(self) -> str:
        return (self._endpoint or hub_endpoint()).rstrip("/")

    @property
    def token(self) -> str | None:
        if self._token is not None:
            return self._token
        from huggingface_hub import get_token

        return get_token()

    def _api(self) -> Any:
        from huggingface_hub import HfApi

        return HfApi(endpoint=self.endpoint, token=self.token)

    def search(self, query: str, *, sort: SortKey = "downloads", limit: int = 30) -> list[RepoSummary]:
        """GGUF repos whose id contains `query`, most downloaded (or liked, or newest) first."""
        sort_key = _SORTS[sort]

        def call() -> list[RepoSummary]:
            found = self._api().list_models(filter="gguf", search=query or None, sort=sort_key, limit=limit)
            return [_summary(info) for info in found]

        return self._guard(f"search the Hub for '{query}'", call)

    def listing(self, repo_id: str, revision: str | None = None) -> RepoListing:
        """Every GGUF model in a repo with sizes and sha256, pinned to the repo's current commit."""

        def call() -> RepoListing:
            info = self._api().model_info(repo_id, revision=revision, files_metadata=True)
            files = [_remote_file(s) for s in info.siblings or [] if is_gguf(str(s.rfilename))]
            # Checked: the commit names a folder, and the files' names name files (models.hub.untrusted).
            return RepoListing(
                checked_repo_id(info.id), checked_revision(info.sha), bool(info.gated), group_files(files)
            )

        return self._guard(f"list the files of {repo_id}", call, repo_id=repo_id)

    def file_sha256(self, repo_id: str, path: str, revision: str) -> str | None:
        """A file's LFS sha256 asked again, for a listing that gave none: the paths-info API first,
        then the `X-Linked-Etag` of a HEAD request (the Hub's etag of an LFS file is its sha256).
        None when neither says."""

        def call() -> str | None:
            api = self._api()
            for entry in api.get_paths_info(repo_id, [path], revision=revision):
                found = checked_sha256(getattr(getattr(entry, "lfs", None), "sha256", None))
                if found is not None and getattr(entry, "path", path) == path:
                    return found
            return checked_sha256(api.get_hf_file_metadata(url=self.file_url(repo_id, path, revision)).etag)

        return self._guard(f"ask the Hub for the sha256 of {path}", call, repo_id=repo_id)

    def file_url(self, repo_id: str, path: str, revision: str) -> str:
        from huggingface_hub import hf_hub_url

        return str(hf_hub_url(repo_id, path, revision=revision, endpoint=self.endpoint))

    def headers(self) -> dict[str, str]:
        """Authorization (when a token is known) and huggingface_hub's user agent."""
        from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]  # re-exported

        headers: dict[str, str] = build_hf_headers(token=self.token or False, library_name="hearth")
        headers["Accept-Encoding"] = "identity"  # sizes and byte offsets are those of the file itself
        return headers

    def _guard(self, doing: str, call: Callable[[], T], repo_id: str | None = None) -> T:
        if offline_mode():
            raise HubOfflineError(
                f"Cannot {doing}: offline mode is on (Settings, Network; or HF_HUB_OFFLINE in the environment)."
            )
        check_reachable(self.endpoint, doing)
        with translate_errors(doing, repo_id, self.endpoint):
            return call()


def check_reachable(endpoint: str, doing: str) -> None:
    """Raise HubOfflineError at once when this computer cannot open a connection to `endpoint`."""
    parts = urllib.parse.urlsplit(endpoint)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    if urllib.request.getproxies().get(parts.scheme) and not urllib.request.proxy_bypass(host):
        return
    with _reached_lock:
        if time.monotonic() - _reached.get(endpoint, -PROBE_TRUSTED_S) < PROBE_TRUSTED_S:
            return
    try:
        socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S).close()
    except socket.gaierror:
        why = f"the name {host} cannot be looked up: is this computer online?"
    except TimeoutError:
        why = f"no answer within {PROBE_TIMEOUT_S:.0f} s"
    except OSError as exc:
        why = exc.strerror or str(exc)
    else:
        with _reached_lock:
            _reached[endpoint] = time.monotonic()
        return
    raise HubOfflineError(f"Cannot {doing}: the Hub at {endpoint} cannot be reached ({why}).")


@contextmanager
def translate_errors(doing: str, repo_id: str | None, endpoint: str) -> Iterator[None]:
    """huggingface_hub's and httpx's exceptions as one sentence each."""
    import httpx2
    from huggingface_hub import errors

    repo = repo_id or "the repository"
    try:
        yield
    except errors.GatedRepoError as exc:
        raise GatedRepoError(gated_message(repo)) from exc
    except errors.RepositoryNotFoundError as exc:
        raise RepoNotFoundError(
            f"Cannot {doing}: {repo} does not exist on the Hub, or it is private (log in with `hf auth login`)."
        ) from exc
    except errors.RevisionNotFoundError as exc:
        raise RepoNotFoundError(f"Cannot {doing}: that revision of {repo} does not exist.") from exc
    except errors.RemoteEntryNotFoundError as exc:
        raise RepoNotFoundError(f"Cannot {doing}: the file is not in {repo}.") from exc
    except errors.OfflineModeIsEnabled as exc:
        raise HubOfflineError(f"Cannot {doing}: Hugging Face Hub access is off (HF_HUB_OFFLINE is set).") from exc
    except errors.HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise HubError(f"Cannot {doing}: the Hub answered HTTP {status}; try again later.") from exc
    except errors.HFValidationError as exc:
        raise RepoNotFoundError(f"Cannot {doing}: '{repo}' is not a valid repository name.") from exc
    except (httpx2.TooManyRedirects, httpx2.UnsupportedProtocol, httpx2.InvalidURL) as exc:
        raise HubError(
            f"Cannot {doing}: the Hub at {endpoint} redirected to an address Hearth does not follow ({exc})."
        ) from exc
    except (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError) as exc:
        raise HubOfflineError(f"Cannot {doing}: the Hub at {endpoint} cannot be reached ({exc}).") from exc
    except httpx2.HTTPError as exc:
        raise HubError(f"Cannot {doing}: the connection to the Hub at {endpoint} failed ({exc}).") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # an answer in a shape no Hub sends
        log.info("Unexpected answer from %s", endpoint, exc_info=True)
        raise HubError(f"Cannot {doing}: the answer from {endpoint} could not be understood.") from exc


def gated_message(repo_id: str) -> str:
    return (
        f"{repo_id} is gated: accept its licence at https://huggingface.co/{repo_id} and log in with "
        "`hf auth login` (or set HF_TOKEN)."
    )


def _remote_file(sibling: Any) -> RemoteFile:
    path = checked_repo_path(sibling.rfilename)
    lfs = sibling.lfs
    if lfs is None:  # a GGUF without LFS metadata: its sha256 is asked for before it downloads
        return RemoteFile(path, checked_size(sibling.size or 0), None)
    return RemoteFile(path, checked_size(lfs.size), checked_sha256(lfs.sha256))


def _summary(info: Any) -> RepoSummary:
    def stamp(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return RepoSummary(
        repo_id=info.id,
        downloads=int(info.downloads or 0),
        likes=int(info.likes or 0),
        created_at=stamp(info.created_at),
        last_modified=stamp(info.last_modified),
        gated=None if info.gated is None else bool(info.gated),
        tags=tuple(info.tags or ()),
    )
