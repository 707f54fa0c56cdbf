"""Render a conversation into the exact prompt text a model was trained on.

The template is the model's own `tokenizer.chat_template` (Jinja), run in a sandbox the way
Hugging Face transformers runs it. A model without one gets ChatML, stated openly: the
engine reports `source == "fallback"` and logs a warning, because no format is right for
every model and a silent guess (llama-cpp-python silently uses llama-2's) produces gibberish
that looks like a broken model. A known-good template of the model's family (see
`models.families.known_templates`) can stand in for the model's own: `source` is then "known-good: <name>".

Templates that read `enable_thinking` (Qwen 3) or `thinking` (DeepSeek V3.1's official one) get it
only when the caller sets it: an undefined variable is the template's own default, which
`is defined` checks rely on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jinja2
from jinja2.ext import Extension, loopcontrols

from models.errors import TemplateError
from models.families.template_sandbox import BudgetedSandbox, BudgetExceeded, RenderBudget, budget_for_render

log = logging.getLogger(__name__)

Message = Mapping[str, str]

# ChatML: the format of most instruction-tuned models that ship without a template.
FALLBACK_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# When ChatML's markers are not special tokens of the model, they arrive as plain text.
FALLBACK_STOP_STRINGS = ("<|im_end|>", "<|im_start|>")


class TemplateRenderError(TemplateError):
    """A template raised while rendering; `reason` is the template's own words."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _raise_exception(message: str) -> None:
    raise jinja2.TemplateError(message)


def _tojson(value: Any, indent: int | None = None, **_kwargs: Any) -> str:
    # transformers' version: Jinja's built-in one HTML-escapes <, > and &, which changes prompts.
    return json.dumps(value, ensure_ascii=False, indent=indent)


class _GenerationTag(Extension):
    """transformers' `{% generation %}…{% endgeneration %}` (marks training targets): rendered as is."""

    tags = {"generation"}  # noqa: RUF012 - jinja2's Extension API declares it a class attribute

    def parse(self, parser: Any) -> Any:
        next(parser.stream)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


def _environment() -> BudgetedSandbox:
    env = BudgetedSandbox(
        filters={"tojson": _tojson}, trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols, _GenerationTag]
    )
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env


@dataclass(frozen=True)
class ChatTemplate:
    source: str  # "model", "fallback" or "known-good: <name>"
    text: str
    bos_token: str = ""
    eos_token: str = ""
    stop_strings: tuple[str, ...] = ()
    _compiled: jinja2.Template = field(init=False, repr=False, compare=False)
    # Why the template was stopped once for running over its budget: it is not given another
    # few seconds at every render after that.
    _exhausted: list[str] = field(init=False, repr=False, compare=False, default_factory=list)

    def __post_init__(self) -> None:
        try:
            compiled = _environment().from_string(self.text)
        except jinja2.TemplateError as exc:
            raise TemplateError(f"The model's chat template does not compile: {exc}") from exc
        object.__setattr__(self, "_compiled", compiled)

    @classmethod
    def for_model(cls, template: str | None, bos_token: str, eos_token: str) -> ChatTemplate:
        if template:
            return cls("model", template, bos_token, eos_token)
        log.warning("The model has no chat template; formatting conversations as ChatML")
        return cls("fallback", FALLBACK_TEMPLATE, bos_token, eos_token, FALLBACK_STOP_STRINGS)

    @classmethod
    def known_good(cls, name: str, text: str, bos_token: str, eos_token: str) -> ChatTemplate:
        return cls(f"known-good: {name}", text, bos_token, eos_token)

    @property
    def supports_thinking_switch(self) -> bool:
        """Whether the template reads `enable_thinking` (Qwen 3) or `thinking` (DeepSeek V3.1's own)."""
        return "enable_thinking" in self.text or "thinking is defined" in self.text

    def render(
        self, messages: Sequence[Message], add_generation_prompt: bool = True, enable_thinking: bool | None = None
    ) -> str:
        variables: dict[str, Any] = {
            "messages": [dict(m) for m in messages],
            "add_generation_prompt": add_generation_prompt,
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
        }
        if enable_thinking is not None:
            variables["enable_thinking"] = enable_thinking
            variables["thinking"] = enable_thinking  # DeepSeek V3.1's official template reads `thinking`
        if self._exhausted:
            raise TemplateRenderError(f"The {self._owner} chat template was stopped: {self._exhausted[0]}.",
                                      self._exhausted[0])
        try:
            with budget_for_render(RenderBudget()):
                text = self._compiled.render(**variables)
        except BudgetExceeded as exc:  # time, size or a format width (models.families.template_sandbox)
            self._exhausted.append(str(exc))
            raise TemplateRenderError(f"The {self._owner} chat template was stopped: {exc}.", str(exc)) from exc
        except jinja2.TemplateError as exc:
            raise TemplateRenderError(f"The {self._owner} chat template failed: {exc}", str(exc)) from exc
        except Exception as exc:  # the template's own arithmetic, recursion or memory: its failure, not Hearth's
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise TemplateRenderError(f"The {self._owner} chat template failed ({reason[:300]}).", reason) from exc
        if messages and not text.strip():
            raise TemplateRenderError(f"The {self._owner} chat template renders an empty prompt.", "empty prompt")
        return text

    @property
    def _owner(self) -> str:
        return "model's" if self.source == "model" else f"{self.source.removeprefix('known-good: ')}"
