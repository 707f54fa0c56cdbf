"""Render a conversation through a template that cannot take it as it is, by adapting the
conversation instead of failing.

Many official templates raise on conversations a chat app produces every day: Gemma 2 and
Mistral v0.x reject the system role, Mistral and Gemma demand strict user/assistant
alternation (two user messages in a row raise). Each adaptation here is what the family's
authors prescribe for those cases (llama.cpp's built-in Gemma format folds the system prompt
into the first user turn the same way):

- fold the system prompt into the next user turn (for templates that reject the role, and for
  templates that silently drop it, which is worse: the model never sees the instructions);
- merge consecutive messages of one role into one.

The conversation is first rendered as it is; only when that raises are the adaptations tried,
fewest first (fold, merge, both), so a template that accepts the conversation renders it
untouched. When every variant raises, TemplateError names the model and the template's own
error, and points at the family's known-good template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from models.errors import TemplateError
from models.families.chat_template import ChatTemplate, Message, TemplateRenderError
from models.families.registry import Family

FOLDED_SYSTEM = "The system prompt was folded into the first user message: the template does not take a system role."
RESCUED_SYSTEM = "The system prompt was folded into the first user message: the template dropped it silently."
MERGED_TURNS = "Consecutive messages of one role were merged: the template demands alternating turns."


@dataclass(frozen=True)
class Rendered:
    text: str
    messages: tuple[Message, ...]  # the conversation as rendered, after any adaptation
    adaptations: tuple[str, ...]  # one plain sentence per adaptation made, for the user


def fold_system(messages: Sequence[Message]) -> list[Message]:
    """Each system message is prepended to the next user message (or becomes one, at the end)."""
    result: list[Message] = []
    pending: list[str] = []
    for message in messages:
        role, content = message.get("role"), message.get("content", "")
        if role == "system":
            if content.strip():
                pending.append(content.strip())
            continue
        if role == "user" and pending:
            message = {**message, "content": "\n\n".join([*pending, content])}
            pending = []
        result.append(message)
    if pending:
        result.append({"role": "user", "content": "\n\n".join(pending)})
    return result


def merge_consecutive(messages: Sequence[Message]) -> list[Message]:
    result: list[Message] = []
    for message in messages:
        if result and result[-1].get("role") == message.get("role"):
            joined = "\n\n".join(part for part in (result[-1].get("content", ""), message.get("content", "")) if part)
            result[-1] = {**result[-1], "content": joined}
        else:
            result.append(message)
    return result


def _system_text(messages: Sequence[Message]) -> list[str]:
    texts = (m.get("content", "").strip() for m in messages if m.get("role") == "system")
    return [text for text in texts if text]


def _has_consecutive(messages: Sequence[Message]) -> bool:
    return any(a.get("role") == b.get("role") for a, b in pairwise(messages))


def unrenderable_message(
    model_name: str, reason: str, family: Family | None, problem: str = "cannot render this conversation"
) -> str:
    if family is not None:
        remedy = f"choose the known-good {family.display_name} template ({family.known_good_template!r}) for it"
    else:
        remedy = "choose a known-good template for its family"
    return f"The chat template of {model_name} {problem} ({reason}); {remedy}."



def render_adapted(
    template: ChatTemplate,
    messages: Sequence[Message],
    *,
    model_name: str,
    family: Family | None = None,
    add_generation_prompt: bool = True,
    thinking: bool | None = None,
) -> Rendered:
    def render(conversation: Sequence[Message]) -> str:
        return template.render(conversation, add_generation_prompt, enable_thinking=thinking)

    systems = _system_text(messages)
    try:
        text = render(messages)
    except TemplateRenderError as exc:
        first_error = exc
    else:
        if all(system in text for system in systems):
            return Rendered(text, tuple(messages), ())
        folded = fold_system(messages)
        try:
            rescued = render(folded)
        except TemplateError:
            return Rendered(text, tuple(messages), ())
        if all(system in rescued for system in systems):
            return Rendered(rescued, tuple(folded), (RESCUED_SYSTEM,))
        return Rendered(text, tuple(messages), ())

    variants: list[tuple[list[Message], tuple[str, ...]]] = []
    if systems or any(m.get("role") == "system" for m in messages):
        variants.append((fold_system(messages), (FOLDED_SYSTEM,)))
    if _has_consecutive(messages):
        variants.append((merge_consecutive(messages), (MERGED_TURNS,)))
    folded_merged = merge_consecutive(fold_system(messages))
    if len(variants) == 2 or (variants and _has_consecutive(variants[0][0])):
        variants.append((folded_merged, (FOLDED_SYSTEM, MERGED_TURNS)))
    for conversation, adaptations in variants:
        try:
            return Rendered(render(conversation), tuple(conversation), adaptations)
        except TemplateRenderError:
            continue
    raise TemplateError(unrenderable_message(model_name, first_error.reason, family)) from first_error
