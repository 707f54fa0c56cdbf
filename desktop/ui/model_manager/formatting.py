"""Numbers as the model manager shows them, and the fit verdicts it computes (off the GUI thread).

The fit functions are plain Python: the tabs call them through `BackgroundTasks`, because they
read GGUF headers (installed files) or ask psutil and ggml for free memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop.text import duration_text, params_text, size_text
from models.engine import SafeModeEntry
from models.errors import ModelFileError
from models.files import read_gguf
from models.fit import (
    DEFAULT_MAX_CONTEXT,
    CatalogEntry,
    FitCorrections,
    FitReport,
    MemoryEstimate,
    Verdict,
    default_context,
    estimate_listing,
    estimate_memory,
    judge_fit,
    model_key,
    shape_of_files,
    size_only_estimate,
)
from models.hub import HubClient, RepoListing
from models.library import is_embedding_model

# An embedding model turns text into vectors for document search; it cannot chat, so the manager
# offers no "Use" for it and says what it is for instead.
FOR_DOCUMENTS = "for document search"
EMBEDDING_NOTE = "An embedding model: Hearth uses it to search your documents. It cannot chat."


def is_embedding_file(path: Path) -> bool:
    """Whether the GGUF at `path` is an embedding model (its header says; milliseconds)."""
    try:
        return is_embedding_model(read_gguf(path))
    except ModelFileError:
        return False

__all__ = ["duration_text", "params_text", "size_text"]


def speed_text(bytes_per_s: float) -> str:
    return f"{size_text(bytes_per_s)}/s"


def short_sha(sha256: str | None) -> str:
    return sha256[:12] if sha256 else "unknown"


@dataclass(frozen=True)
class FitBadge:
    """A verdict and the numbers behind it, ready for a table cell and its tooltip."""

    verdict: Verdict
    tooltip: str

    @property
    def text(self) -> str:
        return self.verdict


def badge_from(report: FitReport, estimate: MemoryEstimate, *, approximate: bool = False) -> FitBadge:
    gib = 1 << 30
    lines = [f"{report.verdict.capitalize()}: {report.detail}"]
    if estimate.n_ctx:
        lines.append(f"at a {estimate.n_ctx:,}-token context")
    lines.append(
        f"weights {estimate.weights / gib:.2f} GiB · KV cache {estimate.kv_cache / gib:.2f} GiB · "
        f"buffers {(estimate.compute + estimate.output) / gib:.2f} GiB"
    )
    if estimate.correction != 1.0:
        lines.append(f"corrected ×{estimate.correction:.2f} by what earlier loads of this file measured")
    if approximate:
        lines.append("An estimate from the file size alone: the exact figure comes with the download.")
    return FitBadge(report.verdict, "\n".join(lines))


def installed_fit(paths: Sequence[Path], max_context: int, corrections: FitCorrections | None) -> FitBadge:
    """The badge of an installed model at the context the engine would load it with."""
    shape = shape_of_files(paths)
    n_ctx = default_context(shape.trained_context, max_context)
    factor = corrections.factor(model_key(paths[0].name, sum(p.stat().st_size for p in paths))) if corrections else 1.0
    estimate = estimate_memory(shape, n_ctx, correction=factor)
    return badge_from(judge_fit(estimate), estimate)


def listing_fits(
    hub: HubClient, listing: RepoListing, max_context: int, corrections: FitCorrections | None
) -> dict[str, FitBadge]:
    """Badges for a Hub repo's models (their headers are read with Range requests), by first file."""
    estimates = estimate_listing(hub, listing, None, corrections, max_context=max_context)
    badges = {}
    for path, estimate in estimates.items():
        approximate = estimate.compute == 0  # the size-only fallback: no header could be read
        badges[path] = badge_from(judge_fit(estimate), estimate, approximate=approximate)
    return badges


def catalog_fits(entries: Sequence[CatalogEntry], max_context: int = DEFAULT_MAX_CONTEXT) -> dict[str, FitBadge]:
    """Approximate badges for the catalog, from parameter counts, before the Hub is asked anything."""
    badges = {}
    for entry in entries:
        estimate = size_only_estimate(entry.approximate_size(), default_context(entry.context_length, max_context))
        badges[entry.id] = badge_from(judge_fit(estimate), estimate, approximate=True)
    return badges


def safe_mode_text(entry: SafeModeEntry) -> str:
    """The details pane's line for a model that loads in safe mode."""
    why = f" after Hearth stopped unexpectedly {entry.reason}" if entry.reason else ""
    state = "it works, so Hearth keeps using it" if entry.state == "works" else "on trial until an answer works"
    since = entry.since[:16].replace("T", " ")
    return (f"Safe mode since {since} UTC{why}: CPU only, no extra CPU kernels, no flash attention, "
            f"context 2,048 ({state}).")
