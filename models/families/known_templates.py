"""Known-good chat templates, one per family, shipped in resources/templates/<name>.jinja.

They stand in for a model's own template when it has none, or when the user chooses one
because the model's own template fails. Where llama.cpp vendors a model repository's template
(its models/templates/ and tests/test-chat-template.cpp), that text is used as is:

    llama3       meta-llama/Llama-3.1-8B-Instruct
    mistral      Mistral's official "v1" template, with a system prompt (Mistral 7B v0.1/v0.2, Mixtral 8x7B)
    qwen2.5      Qwen/Qwen2.5-7B-Instruct
    qwen3        Qwen/Qwen3-0.6B (has the enable_thinking switch)
    deepseek-r1  deepseek-ai/DeepSeek-R1-Distill-Llama-8B
    deepseek-v3  deepseek-ai/DeepSeek-V3.1 (has the thinking switch), as llama.cpp vendors it but for
                 one edit back to DeepSeek's own: with thinking off the answer turn opens with
                 `<｜Assistant｜></think>` (DeepSeek's README: non-thinking mode "introduces an
                 additional token </think>"), in the generation prompt and in every earlier
                 assistant turn, where llama.cpp's copy writes `<think></think>`. The official
                 template's text is in DeepSeek-V3.1's tokenizer_config.json (quoted whole in
                 ik_llama.cpp issue #804); tests/unit/models/families/test_official_templates.py
                 checks the renders against it.
    gpt-oss      openai/gpt-oss-120b (harmony)

The others are written in the family's documented format, text only (no tool calling):

    mistral-v3   Mistral's tokenizer v3 (Mistral 7B Instruct v0.3, Mixtral 8x22B Instruct), as the
                 mistralai/cookbook's tokenization guide documents it and v0.3's tokenizer_config
                 renders: `<s>[INST] Hello[/INST]`, no spaces around the control tokens, and the
                 system prompt in front of the last user message. Chosen by the vocabulary: v3
                 has 32,768 tokens where v1 has 32,000.
    llama4       Llama 4's <|header_start|>role<|header_end|> turns ending in <|eot|>
    gemma        Gemma 3's template: the system prompt opens the first user turn
    nemotron     Nemotron-Mini's <extra_id_0>System / <extra_id_1>User / <extra_id_1>Assistant
    chatml       generic ChatML, for ChatML models of no known family

The folder is a package of its own (resources.templates, with an empty __init__.py) so that
importlib.resources reads it the same way from a checkout, an editable install (where
`resources` may be a namespace package) and a wheel. Packaging: pyproject's package-data must
list "resources.templates" = ["*.jinja"].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from models.errors import TemplateError
from models.families.chat_template import ChatTemplate
from models.families.registry import Family

_PACKAGE = "resources.templates"
MISTRAL_V3_VOCABULARY = 32768


def template_names() -> tuple[str, ...]:
    folder = resources.files(_PACKAGE)
    names = (entry.name.removesuffix(".jinja") for entry in folder.iterdir() if entry.name.endswith(".jinja"))
    return tuple(sorted(names))


@cache
def known_template(name: str) -> str:
    """The text of a known-good template; TemplateError names the choices when there is no such one."""
    entry = resources.files(_PACKAGE).joinpath(f"{name}.jinja")
    if not entry.is_file():
        choices = ", ".join(template_names())
        raise TemplateError(f"There is no known-good template named {name!r} (choose one of: {choices}).")
    return entry.read_text(encoding="utf-8")


@dataclass(frozen=True)
class TemplateChoice:
    source: str  # "model", "fallback" or "known-good: <name>"
    text: str | None  # None: the ChatML fallback


def known_good_name(family: Family, vocabulary_size: int = 0) -> str:
    """The family's known-good template for one model: Mistral's come in two formats, told apart
    by the tokenizer (v3 extended the vocabulary from 32,000 to 32,768 tokens)."""
    if family.key == "mistral" and vocabulary_size >= MISTRAL_V3_VOCABULARY:
        return "mistral-v3"
    return family.known_good_template


def choose_template(
    model_template: str | None, family: Family | None, override: str | None = None, vocabulary_size: int = 0
) -> TemplateChoice:
    """Which template a model is rendered with: the user's choice, else the model's own, else
    its family's known-good one (a Gemma file without a template is still a Gemma), else ChatML."""
    if override is not None:
        return TemplateChoice(f"known-good: {override}", known_template(override))
    if model_template:
        return TemplateChoice("model", model_template)
    if family is not None:
        name = known_good_name(family, vocabulary_size)
        return TemplateChoice(f"known-good: {name}", known_template(name))
    return TemplateChoice("fallback", None)


def build_template(choice: TemplateChoice, bos_token: str, eos_token: str) -> ChatTemplate:
    """The compiled template for `choice`; raises TemplateError when it does not compile."""
    if choice.text is None or choice.source == "model":
        return ChatTemplate.for_model(choice.text, bos_token, eos_token)
    return ChatTemplate.known_good(choice.source.removeprefix("known-good: "), choice.text, bos_token, eos_token)
