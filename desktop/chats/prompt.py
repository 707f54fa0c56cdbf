"""The engine's input for a conversation: its system prompt and the answered turns of its thread."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.chats.types import Message
from models.families import strip_reasoning

# A failed answer has no useful text and a streaming one is the answer being produced.
_SENT_STATUSES = frozenset({"complete", "cancelled", "interrupted"})
_SENT_ROLES = frozenset({"user", "assistant"})


def build_messages(system_prompt: str, thread: Sequence[Message]) -> list[dict[str, str]]:
    """[{"role", "content"}, ...] for the engine: the system prompt when there is one, then the
    thread's user and assistant messages.

    Left out: failed and streaming messages, and messages with no text (an answer's reasoning is
    removed first: models are trained on histories without it). Leaving an answer out can put two
    user messages next to each other (a question whose answer was stopped before its first
    word, then a new question); they are joined into one, because several families' templates
    (Gemma, Mistral) raise on roles that do not alternate.
    """
    messages: list[dict[str, str]] = []
    if system_prompt.strip():
        messages.append({"role": "system", "content": system_prompt})
    for message in thread:
        if message.role not in _SENT_ROLES or message.status not in _SENT_STATUSES:
            continue
        content = strip_reasoning(message.content) if message.role == "assistant" else message.content
        if not content.strip():
            continue
        if messages and messages[-1]["role"] == message.role:
            messages[-1] = {"role": message.role, "content": f"{messages[-1]['content']}\n\n{content}"}
        else:
            messages.append({"role": message.role, "content": content})
    return messages
