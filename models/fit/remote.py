"""Fit estimates for Hub files that are not downloaded: read their GGUF header over HTTP.

A GGUF keeps every size the estimate needs (layers, heads, embedding, vocabulary) in its header,
a few MB at the front of the file. `fetch_header` asks for the first 8 MiB with a Range request
(doubling up to 64 MiB for very large vocabularies), writes them into a sparse temporary file as
long as the real one, and parses that with `models.files.header.read_gguf`. The header is complete
when the first tensor's data starts inside the fetched bytes.

Quantizations of one model share their shape; only the weights differ. `estimate_listing`
therefore reads one header per model (files whose names differ only by quantization label) and
uses each file's size as its weights. When no header can be read (a gated repo, a network error),
the estimate falls back to the size alone: weights + 10% (`size_only_estimate`).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from models.errors import GatedRepoError, HearthModelError, HubError, ModelFileError, RepoNotFoundError
from models.files import GGUFInfo, read_gguf
from models.fit.memory import (
    DEFAULT_MAX_CONTEXT,
    FitCorrections,
    MemoryEstimate,
    ModelShape,
    default_context,
    estimate_memory,
    model_key,
)
from models.hub import HubClient, RemoteModel, RepoListing, gated_message, translate_errors

log = logging.getLogger(__name__)

MIB = 1 << 20
FIRST_BYTES = 8 * MIB
MAX_BYTES = 64 * MIB


def fetch_header(
    hub: HubClient,
    repo_id: str,
    revision: str,
    path: str,
    size: int,
    *,
    first_bytes: int = FIRST_BYTES,
    session: Any = None,
) -> GGUFInfo:
    """The parsed header of a remote GGUF. Raises HubError or ModelFileError."""
    if session is None:
        from huggingface_hub import get_session

        session = get_session()
    url = hub.file_url(repo_id, path, revision)
    wanted = min(first_bytes, size)
    while True:
        head = _get_range(session, url, hub.headers(), wanted, repo_id)
        info = _parse(head, size, Path(path).name)
        if info is not None:
            return info
        if wanted >= min(size, MAX_BYTES):
            raise ModelFileError(path, f"its header is larger than {MAX_BYTES // MIB} MiB or unreadable")
        wanted = min(wanted * 2, size, MAX_BYTES)


def _get_range(session: Any, url: str, headers: dict[str, str], count: int, repo_id: str) -> bytes:
    """At most `count` bytes from the start of the file: streamed and cut off there, so a server that
    ignores the range (or never stops sending) costs no more than asked."""
    with (
        translate_errors("read the model's header", repo_id, url),
        session.stream("GET", url, headers={**headers, "Range": f"bytes=0-{count - 1}"}) as response,
    ):
        status = response.status_code
        if status in (401, 403):
            raise GatedRepoError(gated_message(repo_id))
        if status == 404:
            raise RepoNotFoundError(f"{Path(url).name} is not in {repo_id}.")
        if status >= 400:
            raise HubError(f"Cannot read the header of {Path(url).name}: the Hub answered HTTP {status}.")
        chunks, received = [], 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            received += len(chunk)
            if received >= count:
                break
    return b"".join(chunks)[:count]


def _parse(head: bytes, size: int, name: str) -> GGUFInfo | None:
    """Parse fetched bytes as if they were the whole file; None when the header runs past them."""
    with tempfile.TemporaryDirectory(prefix="hearth-header-") as folder:
        sparse = Path(folder) / name
        with sparse.open("wb") as handle:
            handle.write(head)
            handle.truncate(size)  # the rest reads as zeros and takes no disk space
        try:
            info = read_gguf(sparse)
        except ModelFileError:
            return None
    if info.tensors and min(t.offset for t in info.tensors) > len(head):
        return None
    return info


def size_only_estimate(size: int, n_ctx: int = 0) -> MemoryEstimate:
    """When no header is readable: the weights and a tenth more for the cache and buffers."""
    return MemoryEstimate(n_ctx=n_ctx, weights=size, kv_cache=size // 10, compute=0, output=0)


def _shape_key(model: RemoteModel) -> str:
    """Files of one model differ only by their quantization label."""
    name = model.name
    if model.quantization:
        at = name.upper().rfind(model.quantization)
        if at >= 0:
            name = name[:at] + name[at + len(model.quantization) :]
    return name.strip("-._ ").lower()


def estimate_listing(
    hub: HubClient,
    listing: RepoListing,
    n_ctx: int | None = None,
    corrections: FitCorrections | None = None,
    session: Any = None,
    *,
    max_context: int = DEFAULT_MAX_CONTEXT,
) -> dict[str, MemoryEstimate]:
    """An estimate for every (non-projector) model in a listing, keyed by its first file's path, at
    `n_ctx`, or else at the context the engine would use (the trained one capped at `max_context`)."""
    shapes: dict[str, ModelShape | None] = {}
    estimates: dict[str, MemoryEstimate] = {}
    for model in listing.models:
        if model.projector:
            continue
        key = _shape_key(model)
        if key not in shapes:
            try:
                first = model.parts[0]
                info = fetch_header(hub, listing.repo_id, listing.revision, first.path, first.size, session=session)
                shapes[key] = ModelShape.from_gguf(info)
            except HearthModelError as exc:
                log.info("No header for %s: %s", model.path, exc)
                shapes[key] = None
        shape = shapes[key]
        factor = corrections.factor(model_key(model.path, model.size)) if corrections else 1.0
        if shape is None:
            estimates[model.path] = size_only_estimate(model.size, n_ctx or 0)
        else:
            sized = ModelShape(**{**shape.__dict__, "weights": model.size})
            context = n_ctx or default_context(shape.trained_context, max_context)
            estimates[model.path] = estimate_memory(sized, context, correction=factor)
    return estimates
