"""The Recommended view: a curated catalog of open-weight GGUF models, `resources/catalog.json`.

Each entry names a Hub repo and, per quantization, the file to download (the first part, for a
split model: the Hub listing brings the other parts). Sizes and sha256 are not in the catalog;
they come from the Hub when the model is downloaded. `approximate_size` gives a figure for the
fit badge before that, from the parameter count and the quantization's bits per weight.

The file's schema (checked by `validate_catalog`, which a test runs):

    {"version": 1, "models": [{
        "id": "qwen3-8b",                       unique, lower-case
        "family": "Qwen", "name": "Qwen3 8B",
        "repo": "Qwen/Qwen3-8B-GGUF",           owner/name
        "files": {"Q4_K_M": "Qwen3-8B-Q4_K_M.gguf", ...},   label -> path in the repo (.gguf)
        "default_quant": "Q4_K_M",              one of files
        "parameters": 8190000000,               total; "active_parameters" for MoE models
        "context_length": 32768,
        "licence": "apache-2.0",
        "small": false,                         a pick for laptops
        "description": "one line",
        "kind": "embedding",                    optional: "chat" (the default) or "embedding", a model
                                                for document search that the chat picker leaves out
        "seen_in_listing": "2026-01-31"}]}      optional: when its file names were last seen in the
                                                repo's Hub listing; without it they are checked the
                                                first time the user is online (models.fit.catalog_check)
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from models.errors import HearthModelError
from models.files import quant_label

# Average bits per weight of llama.cpp's quantizations (weights only; embeddings and norms vary).
BITS_PER_WEIGHT = {
    "Q2_K": 2.96,
    "Q3_K_S": 3.5,
    "Q3_K_M": 3.91,
    "Q3_K_L": 4.27,
    "IQ4_XS": 4.25,
    "IQ4_NL": 4.5,
    "Q4_0": 4.55,
    "Q4_1": 5.0,
    "Q4_K_S": 4.58,
    "Q4_K_M": 4.85,
    "Q5_K_S": 5.54,
    "Q5_K_M": 5.69,
    "Q6_K": 6.56,
    "Q8_0": 8.5,
    "MXFP4": 4.25,
    "F16": 16.0,
    "BF16": 16.0,
    "F32": 32.0,
}
_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "family": str,
    "name": str,
    "repo": str,
    "files": dict,
    "default_quant": str,
    "parameters": int,
    "context_length": int,
    "licence": str,
    "small": bool,
    "description": str,
}
KINDS = ("chat", "embedding")
_OPTIONAL = frozenset({"active_parameters", "kind", "seen_in_listing"})
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


class CatalogError(HearthModelError):
    """The bundled catalog is malformed (a packaging bug)."""


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    family: str
    name: str
    repo: str
    files: dict[str, str]  # quantization label -> path in the repo
    default_quant: str
    parameters: int
    context_length: int
    licence: str
    small: bool
    description: str
    active_parameters: int | None = None
    kind: str = "chat"  # "embedding": for document search (desktop.documents), not for chat
    seen_in_listing: str | None = None  # when the file names were seen in the Hub's listing; None: never

    @property
    def default_file(self) -> str:
        return self.files[self.default_quant]

    def approximate_size(self, quant: str | None = None) -> int:
        """Bytes the file should take, before the Hub says exactly."""
        bits = BITS_PER_WEIGHT.get(quant or self.default_quant, 8.5)
        return int(self.parameters * bits / 8)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def validate_catalog(data: Any) -> list[str]:
    """Every problem found in a catalog document, as readable lines (empty when it is valid)."""
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("models"), list):
        return ["the catalog must be an object with version 1 and a list of models"]
    problems: list[str] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["models"]):
        where = f"model {index} ({entry.get('id', '?') if isinstance(entry, dict) else '?'})"
        if not isinstance(entry, dict):
            problems.append(f"{where}: not an object")
            continue
        for key, kind in _REQUIRED.items():
            value = entry.get(key)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                problems.append(f"{where}: '{key}' must be {getattr(kind, '__name__', kind)}")
        problems.extend(f"{where}: {p}" for p in _entry_problems(entry))
        if entry.get("id") in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(str(entry.get("id")))
        extra = set(entry) - set(_REQUIRED) - _OPTIONAL
        if extra:
            problems.append(f"{where}: unknown keys {sorted(extra)}")
    return problems


def _entry_problems(entry: dict[str, Any]) -> list[str]:
    problems = []
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", str(entry.get("id", ""))):
        problems.append("'id' must be lower-case letters, digits, '.', '_' or '-'")
    if not _REPO.match(str(entry.get("repo", ""))):
        problems.append("'repo' must be owner/name")
    files = entry.get("files")
    if isinstance(files, dict):
        if not files:
            problems.append("'files' is empty")
        for label, path in files.items():
            if not isinstance(path, str) or not path.lower().endswith(".gguf"):
                problems.append(f"file for {label} must be a .gguf path")
            elif quant_label(path) != label.upper():
                problems.append(f"file {path} does not carry the label {label}")
        if entry.get("default_quant") not in files:
            problems.append("'default_quant' is not one of 'files'")
    if entry.get("kind", "chat") not in KINDS:
        problems.append(f"'kind' must be one of {', '.join(KINDS)}")
    description = entry.get("description")
    if isinstance(description, str) and ("\n" in description or not 10 <= len(description) <= 120):
        problems.append("'description' must be one line of 10 to 120 characters")
    for key in ("parameters", "active_parameters", "context_length"):
        value = entry.get(key)
        if value is not None and (not isinstance(value, int) or value <= 0):
            problems.append(f"'{key}' must be a positive integer")
    return problems


@functools.cache
def load_catalog() -> tuple[CatalogEntry, ...]:
    """The bundled catalog, validated; raises CatalogError if the shipped file is broken."""
    text = resources.files("resources").joinpath("catalog.json").read_text(encoding="utf-8")
    data = json.loads(text)
    problems = validate_catalog(data)
    if problems:
        raise CatalogError(f"The model catalog is broken: {problems[0]}.")
    return tuple(CatalogEntry(**{k: v for k, v in entry.items()}) for entry in data["models"])


def find_entry(entry_id: str) -> CatalogEntry:
    for entry in load_catalog():
        if entry.id == entry_id.lower():
            return entry
    raise CatalogError(f"The catalog has no model '{entry_id}'.")
