"""Reasoning ("thinking") text apart from the answer.

Every family's reasoning reaches the app in one normalized form, `<think>…</think>` before the
answer (the engine converts other markers, such as GPT-OSS's analysis channel, into it). The
window shows the thinking in a collapsed section; the history sent back to the model keeps
only the answer, as the families' templates expect.
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN, CLOSE = "<think>", "</think>"


@dataclass(frozen=True)
class Split:
    thinking: str
    answer: str
    thinking_done: bool  # False while a streamed answer is still inside its reasoning


def split_reasoning(text: str) -> Split:
    """Separate leading reasoning from the answer; works on partial, streaming text too.

    Some templates put `<think>` into the prompt, so the output may hold only the closing tag:
    text before a lone `</think>` is reasoning as well.
    """
    stripped = text.lstrip()
    if stripped.startswith(OPEN):
        body = stripped[len(OPEN) :]
        if CLOSE in body:
            thinking, answer = body.split(CLOSE, 1)
            return Split(thinking.strip(), answer.lstrip(), True)
        return Split(body.strip(), "", False)
    if CLOSE in text and OPEN not in text:
        thinking, answer = text.split(CLOSE, 1)
        return Split(thinking.strip(), answer.lstrip(), True)
    return Split("", text, True)


def strip_reasoning(text: str) -> str:
    """The answer alone, for the history sent back to the model."""
    return split_reasoning(text).answer
