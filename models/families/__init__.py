"""Model families: chat templates (the model's own, rendered sandboxed, or a known-good one),
family detection, adapting a conversation to a template, reasoning markup and each family's
recommended sampling. Qt-free and llama.cpp-free: it works on GGUF headers and text."""

from models.families.adapt import (
    FOLDED_SYSTEM,
    MERGED_TURNS,
    RESCUED_SYSTEM,
    Rendered,
    fold_system,
    merge_consecutive,
    render_adapted,
    unrenderable_message,
)
from models.families.chat_template import FALLBACK_TEMPLATE, ChatTemplate, Message, TemplateRenderError
from models.families.facts import ModelFacts, describe_model
from models.families.harmony import HarmonyStream
from models.families.known_templates import build_template, choose_template, known_template, template_names
from models.families.reasoning import (
    CLOSE,
    OPEN,
    PromptOpenedThinking,
    opened_in_prompt,
    split_reasoning,
    strip_reasoning,
)
from models.families.registry import FAMILIES, Family, detect_family, family_of, get_family
from models.families.sampling import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_SETTINGS,
    RECOMMENDED,
    SamplingParams,
    default_settings,
    recommended_sampling,
    sampling_for,
    thinking_choice,
)

__all__ = [
    "CLOSE",
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_SETTINGS",
    "FALLBACK_TEMPLATE",
    "FAMILIES",
    "FOLDED_SYSTEM",
    "MERGED_TURNS",
    "OPEN",
    "RECOMMENDED",
    "RESCUED_SYSTEM",
    "ChatTemplate",
    "Family",
    "HarmonyStream",
    "Message",
    "ModelFacts",
    "PromptOpenedThinking",
    "Rendered",
    "SamplingParams",
    "TemplateRenderError",
    "build_template",
    "choose_template",
    "default_settings",
    "describe_model",
    "detect_family",
    "family_of",
    "fold_system",
    "get_family",
    "known_template",
    "merge_consecutive",
    "opened_in_prompt",
    "recommended_sampling",
    "render_adapted",
    "sampling_for",
    "split_reasoning",
    "strip_reasoning",
    "template_names",
    "thinking_choice",
    "unrenderable_message",
]
