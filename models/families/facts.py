"""What a user wants to know about a model file, read from its GGUF header alone (no llama.cpp).

- Parameter count: the elements of every tensor. For a mixture of experts, the active
  parameters per token are the shared part plus `experts_used / expert_count` of the expert
  tensors (named `*_exps`, one slice per expert); shared experts (`*_shexp`) and the router
  count in full, since every token goes through them.
- Quantization: the file's own label (general.file_type, e.g. Q4_K_M) when it has one, else the
  tensor type holding the most bytes: a mixed file is named after what dominates its size.
- Template source: which template Hearth renders with (see models.families.known_templates.choose_template).
"""

from __future__ import annotations

from dataclasses import dataclass

import gguf

from models.families.known_templates import choose_template
from models.families.registry import Family, family_of
from models.files import GGUFInfo


@dataclass(frozen=True)
class ModelFacts:
    name: str
    family: str  # display name, "" when no family is recognized
    family_key: str | None
    architecture: str
    parameter_count: int
    active_parameters: int | None  # per token, for a mixture of experts; None for a dense model
    expert_count: int
    experts_used: int
    quantization: str  # e.g. "Q4_K_M", "Q8_0", "F16"
    context_length: int  # the trained context
    template_source: str  # "model", "fallback" or "known-good: <name>"
    reasoning: str  # the family's reasoning style, "none" when unknown (see models.families.registry)
    thinking_switch: bool  # the template can switch reasoning off (Qwen 3's enable_thinking)

    @property
    def is_moe(self) -> bool:
        return self.expert_count > 0


def _elements(shape: tuple[int, ...]) -> int:
    n = 1
    for dim in shape:
        n *= dim
    return n


def _first_int(value: object) -> int:
    """A count that some files store per layer as an array: the largest entry."""
    if isinstance(value, list):
        return max((int(v) for v in value), default=0)
    return int(value) if isinstance(value, int | float) else 0


def parameter_counts(info: GGUFInfo) -> tuple[int, int | None]:
    """Total parameters, and active parameters per token for a mixture of experts."""
    expert_count = _first_int(info.arch_value("expert_count", 0))
    experts_used = _first_int(info.arch_value("expert_used_count", 0))
    total = experts = 0
    for tensor in info.tensors:
        n = _elements(tensor.shape)
        total += n
        if "_exps." in tensor.name:
            experts += n
    if not expert_count or not experts:
        return total, None
    return total, total - experts + experts * experts_used // expert_count


def quantization(info: GGUFInfo) -> str:
    file_type = info.metadata.get("general.file_type")
    if isinstance(file_type, int):
        try:
            return gguf.LlamaFileType(file_type).name.removeprefix("MOSTLY_").removeprefix("ALL_")
        except ValueError:
            pass
    by_type: dict[str, int] = {}
    for tensor in info.tensors:
        by_type[tensor.type_name] = by_type.get(tensor.type_name, 0) + tensor.n_bytes
    return max(by_type, key=lambda name: by_type[name]) if by_type else "unknown"


def describe_model(info: GGUFInfo, template: str | None = None, family: Family | None = None) -> ModelFacts:
    """Facts about a validated GGUF. `template` is a known-good template chosen instead of the
    model's own; `family` overrides detection (when the caller already knows it)."""
    family = family or family_of(info)
    choice = choose_template(info.chat_template, family, template, info.vocabulary_size)
    total, active = parameter_counts(info)
    return ModelFacts(
        name=info.name,
        family=family.display_name if family else "",
        family_key=family.key if family else None,
        architecture=info.architecture,
        parameter_count=total,
        active_parameters=active,
        expert_count=_first_int(info.arch_value("expert_count", 0)),
        experts_used=_first_int(info.arch_value("expert_used_count", 0)),
        quantization=quantization(info),
        context_length=info.context_length,
        template_source=choice.source,
        reasoning=family.reasoning if family else "none",
        thinking_switch=choice.text is not None and "enable_thinking" in choice.text,
    )
