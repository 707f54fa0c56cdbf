"""Will it fit? Memory estimates (learned from real loads), estimates for files still on the Hub,
the curated catalog and the recommendation for this machine."""

from models.fit.catalog import CatalogEntry, CatalogError, find_entry, load_catalog, validate_catalog
from models.fit.memory import (
    DEFAULT_MAX_CONTEXT,
    RUNTIME_OVERHEAD,
    FitCorrections,
    FitReport,
    MemoryEstimate,
    ModelShape,
    Verdict,
    default_context,
    estimate_for_files,
    estimate_memory,
    judge_fit,
    learn_from_load,
    model_key,
    shape_of_files,
)
from models.fit.recommendation import Recommendation, recommend
from models.fit.remote import estimate_listing, fetch_header, size_only_estimate

__all__ = [
    "DEFAULT_MAX_CONTEXT",
    "RUNTIME_OVERHEAD",
    "CatalogEntry",
    "CatalogError",
    "FitCorrections",
    "FitReport",
    "MemoryEstimate",
    "ModelShape",
    "Recommendation",
    "Verdict",
    "default_context",
    "estimate_for_files",
    "estimate_listing",
    "estimate_memory",
    "fetch_header",
    "find_entry",
    "judge_fit",
    "learn_from_load",
    "load_catalog",
    "model_key",
    "recommend",
    "shape_of_files",
    "size_only_estimate",
    "validate_catalog",
]
