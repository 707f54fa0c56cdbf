"""Known-good chat templates, one per family, shipped in resources/templates/<name>.jinja.

They stand in for a model's own template when it has none, or when the user chooses one
because the model's own template fails. Where llama.cpp vendors a model repository's template
(its models/templates/ and tests/test-chat-template.cpp), that text is used as is:

    llama3       meta-llama/Llama-3.1-8B-Instruct
    mistral      Mistral's official "v1" template, with a system prompt
    qwen2.5      Qwen/Qwen2.5-7B-Instruct
    qwen3        Qwen/Qwen3-0.6B (has the enable_thinking switch)
    deepseek-r1  deepseek-ai/DeepSeek-R1-Distill-Llama-8B
    deepseek-v3  deepseek-ai/DeepSeek-V3.1 (has the thinking switch)
    gpt-oss      openai/gpt-oss-120b (harmony)

The others are written in the family's documented format, text only (no tool calling):

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


def choose_template(model_template: str | None, family: Family | None, override: str | None = None) -> TemplateChoice:
    """Which template a model is rendered with: the user's choice, else the model's own, else
    its family's known-good one (a Gemma file without a template is still a Gemma), else ChatML."""
    if override is not None:
        return TemplateChoice(f"known-good: {override}", known_template(override))
    if model_template:
        return TemplateChoice("model", model_template)
    if family is not None:
        return TemplateChoice(f"known-good: {family.known_good_template}", known_template(family.known_good_template))
    return TemplateChoice("fallback", None)


def build_template(choice: TemplateChoice, bos_token: str, eos_token: str) -> ChatTemplate:
    """The compiled template for `choice`; raises TemplateError when it does not compile."""
    if choice.text is None or choice.source == "model":
        return ChatTemplate.for_model(choice.text, bos_token, eos_token)
    return ChatTemplate.known_good(choice.source.removeprefix("known-good: "), choice.text, bos_token, eos_token)
