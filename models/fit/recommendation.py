"""Which catalog model to suggest on first run: the best one this machine runs comfortably.

Preference goes by quality for the size, newest families first. A model qualifies when its
memory estimate (weights from the catalog's approximate size, plus KV cache and runtime at an
8,192-token context, see models.fit.memory) takes at most half of this machine's RAM, or of its GPU
memory when the build offloads: the rest stays for the system and the user's other programs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.fit.catalog import CatalogEntry
from models.fit.memory import FitReport, judge_fit
from models.fit.remote import size_only_estimate

PREFERENCE = (
    "qwen3-8b",
    "llama-3.1-8b-instruct",
    "gemma-3-4b-it",
    "qwen3-4b",
    "llama-3.2-3b-instruct",
    "qwen2.5-1.5b-instruct",
    "gemma-3-1b-it",
    "llama-3.2-1b-instruct",
    "qwen2.5-0.5b-instruct",
)
CONTEXT = 8192
SHARE_OF_MEMORY = 0.5


@dataclass(frozen=True)
class Recommendation:
    entry: CatalogEntry
    size: int  # approximate download, bytes
    fit: FitReport


def recommend(catalog: Sequence[CatalogEntry], memory: int, vram_free: dict[str, int] | None = None) -> (
    Recommendation | None
):
    """`memory`: the machine's total RAM (or GPU memory when offloading), in bytes."""
    by_id = {entry.id: entry for entry in catalog}
    for entry_id in PREFERENCE:
        entry = by_id.get(entry_id)
        if entry is None:
            continue
        size = entry.approximate_size()
        estimate = size_only_estimate(size, CONTEXT)
        if estimate.total <= memory * SHARE_OF_MEMORY:
            return Recommendation(entry, size, judge_fit(estimate, vram_free=vram_free))
    return None
