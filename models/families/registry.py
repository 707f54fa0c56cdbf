"""Model families: which chat format a GGUF speaks, and how Hearth must treat it.

A family here is a chat format and its conventions (Llama 3's header tokens, Mistral's [INST],
Qwen's ChatML, DeepSeek's fullwidth-bar tokens, Gemma's turns, GPT-OSS's harmony channels,
Nemotron's extra_id markers), not a weight architecture: Mixtral is a Mistral, DeepSeek-R1's
Qwen and Llama distills are DeepSeek-R1, and architecture is reported separately.

Detection, most reliable first:
1. the chat template's own markers (the same substrings llama.cpp's llm_chat_detect_template
   looks for), because the template is what the prompt will actually be rendered with;
2. the GGUF architecture, where only one family uses it (gemma3, gpt-oss, qwen3moe, ...);
3. words in general.name / general.basename ("Mixtral-8x7B-Instruct");
4. the pre-tokenizer name (tokenizer.ggml.pre), which converters set per model line.
A model that matches none has no family (None); Hearth then renders its own template as is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from models.files import GGUFInfo

# How a family's models show their reasoning:
#   none            no reasoning
#   think           the model writes <think>…</think> before its answer (Qwen 3)
#   think-in-prompt the template opens <think> in the generation prompt, so the output starts
#                   inside the reasoning and only </think> appears (DeepSeek-R1, V3.1 thinking)
#   harmony         GPT-OSS's analysis channel, converted by the engine into <think>…</think>
Reasoning = Literal["none", "think", "think-in-prompt", "harmony"]


@dataclass(frozen=True)
class Family:
    key: str
    display_name: str
    reasoning: Reasoning
    system_role: bool  # its templates take a system message as it is (False: folded or rejected)
    alternation: bool  # its templates demand strict user/assistant alternation
    known_good_template: str  # a template name in models.families.known_templates
    # End-of-turn markers that llama.cpp does not treat as end of generation for this family.
    stop_tokens: tuple[str, ...] = ()


FAMILIES: dict[str, Family] = {
    family.key: family
    for family in (
        Family("llama3", "Llama 3", "none", True, False, "llama3"),
        Family("llama4", "Llama 4", "none", True, False, "llama4"),
        Family("mistral", "Mistral", "none", False, True, "mistral"),
        Family("qwen2.5", "Qwen 2.5", "none", True, False, "qwen2.5"),
        Family("qwen3", "Qwen 3", "think", True, False, "qwen3"),
        Family("deepseek-r1", "DeepSeek-R1", "think-in-prompt", True, False, "deepseek-r1"),
        Family("deepseek-v3", "DeepSeek V3", "think-in-prompt", True, False, "deepseek-v3"),
        Family("gemma", "Gemma", "none", False, True, "gemma"),
        Family("gpt-oss", "GPT-OSS", "harmony", True, False, "gpt-oss"),
        # Nemotron's answer ends with the next turn's marker, which its vocabulary does not
        # flag as end of generation.
        Family("nemotron", "Nemotron", "none", True, False, "nemotron", stop_tokens=("<extra_id_1>",)),
        Family("chatml", "ChatML", "none", True, False, "chatml"),
    )
}


def get_family(key: str) -> Family:
    try:
        return FAMILIES[key]
    except KeyError:
        known = ", ".join(sorted(FAMILIES))
        raise ValueError(f"Unknown model family {key!r} (known: {known})") from None


def _has(*markers: str) -> Callable[[str], bool]:
    return lambda template: all(marker in template for marker in markers)


def _is_qwen3(template: str) -> bool:
    return "<|im_start|>" in template and ("enable_thinking" in template or "<think>" in template)


def _is_deepseek_r1(template: str) -> bool:
    # R1's generation prompt opens "<think>\n"; V3.1's writes "<think>" or "</think>".
    return "<｜Assistant｜>" in template and ("<think>\\n" in template or "<think>\n" in template)


# Ordered: the first match wins, so narrower fingerprints come before broader ones.
_TEMPLATE_FINGERPRINTS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("gpt-oss", _has("<|start|>", "<|channel|>")),
    ("deepseek-r1", _is_deepseek_r1),
    ("deepseek-v3", _has("<｜Assistant｜>")),
    ("gemma", _has("<start_of_turn>")),
    ("llama4", _has("<|header_start|>", "<|header_end|>")),
    ("llama3", _has("<|start_header_id|>", "<|end_header_id|>")),
    ("nemotron", _has("<extra_id_1>")),
    ("mistral", _has("[INST]")),
    ("qwen3", _is_qwen3),
)

_ARCHITECTURES: dict[str, str] = {
    "llama4": "llama4",
    "qwen2": "qwen2.5",
    "qwen3": "qwen3",
    "qwen3moe": "qwen3",
    "deepseek2": "deepseek-v3",
    "gemma": "gemma",
    "gemma2": "gemma",
    "gemma3": "gemma",
    "gpt-oss": "gpt-oss",
    "nemotron": "nemotron",
}

# Words in a model's name, checked in order (a DeepSeek-R1 Qwen distill says both).
_NAME_HINTS: tuple[tuple[str, str], ...] = (
    ("deepseek-r1", "deepseek-r1"),
    ("deepseek", "deepseek-v3"),
    ("gpt-oss", "gpt-oss"),
    ("mixtral", "mistral"),
    ("mistral", "mistral"),
    ("gemma", "gemma"),
    ("qwen3", "qwen3"),
    ("qwen", "qwen2.5"),
    ("llama-4", "llama4"),
    ("llama-3", "llama3"),
)

_PRE_TOKENIZERS: dict[str, str] = {
    "llama-bpe": "llama3",
    "llama4": "llama4",
    "deepseek-v3": "deepseek-v3",
    "deepseek-r1-qwen": "deepseek-r1",
}


def _normalized_name(name: str) -> str:
    return name.lower().replace(" ", "-").replace("_", "-")


def detect_family(
    architecture: str, name: str = "", template: str | None = None, pre_tokenizer: str = ""
) -> Family | None:
    """The family of a model from what its GGUF says; None when nothing identifies one."""
    if template:
        for key, matches in _TEMPLATE_FINGERPRINTS:
            if matches(template):
                return FAMILIES[key]
        if "<|im_start|>" in template:
            qwen = architecture.startswith("qwen") or "qwen" in _normalized_name(name)
            return FAMILIES["qwen2.5" if qwen else "chatml"]
    normalized = _normalized_name(name)
    by_name = next((key for word, key in _NAME_HINTS if word in normalized), None)
    if architecture in _ARCHITECTURES:
        by_arch = _ARCHITECTURES[architecture]
        # A distill keeps its base architecture but speaks DeepSeek-R1.
        return FAMILIES["deepseek-r1" if by_name == "deepseek-r1" else by_arch]
    if by_name:
        return FAMILIES[by_name]
    if pre_tokenizer in _PRE_TOKENIZERS:
        return FAMILIES[_PRE_TOKENIZERS[pre_tokenizer]]
    return None


def family_of(info: GGUFInfo) -> Family | None:
    name = " ".join(str(info.metadata.get(key, "")) for key in ("general.name", "general.basename"))
    pre = str(info.metadata.get("tokenizer.ggml.pre", ""))
    return detect_family(info.architecture, name.strip() or info.path.stem, info.chat_template, pre)
