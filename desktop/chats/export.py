"""A conversation as Markdown (for reading and sharing) or JSON (everything, for backup)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from desktop.chats.types import Conversation, Message
from models.families import split_reasoning

JSON_FORMAT = "hearth.conversation"
JSON_FORMAT_VERSION = 1

_HEADINGS = {"user": "User", "assistant": "Assistant", "system": "System"}
_STATUS_NOTES = {
    "cancelled": "stopped before it finished",
    "failed": "failed",
    "interrupted": "interrupted when Hearth quit",
    "streaming": "still being written",
}


def to_markdown(conversation: Conversation, thread: Sequence[Message]) -> str:
    """Title, system prompt and the active thread; reasoning folds into a <details> block."""
    parts = [f"# {_one_line(conversation.title)}"]
    if conversation.system_prompt.strip():
        parts.append("## System prompt\n\n" + conversation.system_prompt.strip())
    for message in thread:
        heading = _HEADINGS.get(message.role, message.role.capitalize())
        if message.role == "assistant" and message.model:
            heading += f" ({_one_line(message.model)})"
        section = [f"## {heading}"]
        if message.status in _STATUS_NOTES:
            section.append(f"*({_STATUS_NOTES[message.status]})*")
        body = message.content
        if message.role == "assistant":
            split = split_reasoning(message.content)
            if split.thinking:
                # The blank lines let Markdown inside the block render on GitHub and most viewers.
                section.append(f"<details>\n<summary>Reasoning</summary>\n\n{split.thinking}\n\n</details>")
            body = split.answer
        if body.strip():
            section.append(body.strip())
        parts.append("\n\n".join(section))
    return "\n\n".join(parts) + "\n"


def to_json(conversation: Conversation, messages: Sequence[Message], active_path: Sequence[int]) -> dict[str, Any]:
    """Every field of the conversation and of every message (alternatives too), tree via parent_id."""
    return {
        "format": JSON_FORMAT,
        "version": JSON_FORMAT_VERSION,
        "conversation": dataclasses.asdict(conversation),
        "active_path": list(active_path),
        "messages": [dataclasses.asdict(message) for message in messages],
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())
