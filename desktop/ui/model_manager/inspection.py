"""What the Installed tab shows about each model, read off the GUI thread and put in words:
its header's details, fit and family, where it came from, when it was installed. No Qt here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop.ui.model_manager.formatting import FitBadge, installed_fit, params_text, short_sha
from models.errors import ModelFileError
from models.families import ModelFacts, describe_model
from models.files import read_gguf
from models.fit import FitCorrections
from models.library import InstalledModel, ModelDetails, is_embedding_model


@dataclass(frozen=True)
class Inspection:
    """What reading a model's header found, computed off the GUI thread."""

    name: str
    details: ModelDetails | None
    badge: FitBadge | None
    problem: str | None
    facts: ModelFacts | None = None  # family, active parameters, template source, reasoning
    embedding: bool = False  # for document search, not chat


def inspect_models(
    models: Sequence[InstalledModel], max_context: int, corrections: FitCorrections | None
) -> tuple[Inspection, ...]:
    found = []
    for model in models:
        if not model.available:
            found.append(Inspection(model.name, model.details, None, "its file was moved or deleted"))
            continue
        try:
            details = model.details or ModelDetails.read(model.paths)
            badge = installed_fit(model.paths, max_context, corrections)
            header = read_gguf(model.path)
            facts = describe_model(header)
        except ModelFileError as exc:
            found.append(Inspection(model.name, model.details, None, exc.reason))
            continue
        found.append(Inspection(model.name, details, badge, None, facts, is_embedding_model(header)))
    return tuple(found)


def facts_text(facts: ModelFacts) -> str:
    """Family, experts, template and reasoning, as the details pane says them."""
    parts = [f"Family: {facts.family or 'not recognised'}"]
    if facts.is_moe:
        active = f", {params_text(facts.active_parameters)} active" if facts.active_parameters else ""
        parts.append(f"mixture of experts: {facts.experts_used} of {facts.expert_count} experts{active}")
    parts.append(f"template: {facts.template_source}")
    if facts.reasoning != "none":
        parts.append(f"reasoning: {facts.reasoning}" + (" (can be switched off)" if facts.thinking_switch else ""))
    return " · ".join(parts)


def source_text(model: InstalledModel) -> tuple[str, str]:
    """The Source column: a short text and a tooltip with the full provenance."""
    revision = f" at revision {model.revision[:12]}" if model.revision else ""
    shas = ", ".join(short_sha(f.sha256) for f in model.files)
    if model.origin == "hub":
        return model.repo or "Hugging Face", f"Downloaded from {model.repo}{revision}; sha256 {shas} (verified)"
    if model.origin == "linked":
        where = model.repo or str(model.path.parent)
        return f"linked · {where}", f"Used where it lies (not copied): {model.path}{revision}"
    if model.origin == "copied":
        return "imported (copy)", f"Copied into Hearth's folder: {model.path}; sha256 {shas}"
    if model.origin == "bundled":
        return "bundled with Hearth", f"{model.repo or 'The starter model'}: {model.path}"
    return "models folder", f"Found in Hearth's models folder without a record of where it came from: {model.path}"


def installed_text(stamp: str) -> str:
    """'2026-11-28T12:56:22+00:00' as '2026-11-28 12:56 UTC' (or as stored, if it is not a timestamp)."""
    try:
        moment = datetime.fromisoformat(stamp).astimezone(UTC)
    except ValueError:
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M UTC")
