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
    """The answer alone, for the history sent back to the model: everything after `</think>`,
    byte for byte. The official DeepSeek-R1 and V3.1 templates do exactly this
    (`content.split('</think>')[-1]`, `content.split('</think>', 1)[1]`) and so keep the "\n\n"
    the model wrote after `</think>`; a family whose template strips it (Qwen 3's
    `.lstrip('\n')`) has the engine do that (models.engine)."""
    split = split_reasoning(text)
    if not split.thinking_done:
        return ""
    if CLOSE in text and (text.lstrip().startswith(OPEN) or OPEN not in text):
        return text.split(CLOSE, 1)[1]
    return split.answer


def opened_in_prompt(prompt: str) -> str:
    """The `<think>…` tail of a prompt whose template opened the reasoning for the model
    (DeepSeek-R1's "<｜Assistant｜><think>\\n"); "" when the prompt leaves no block open."""
    start = prompt.rfind(OPEN)
    if start < 0 or CLOSE in prompt[start:]:
        return ""
    return prompt[start:]


class PromptOpenedThinking:
    """Puts the prompt's `<think>` opening in front of the streamed answer, so a model whose
    output starts inside its reasoning still streams a well-formed `<think>…</think>answer`.
    A model that opens the block again itself is passed through unchanged."""

    def __init__(self, opening: str) -> None:
        self._opening = opening
        self._pending: str | None = ""  # None once the decision is made

    def feed(self, text: str) -> str:
        if self._pending is None:
            return text
        pending = self._pending + text
        stripped = pending.lstrip()
        if stripped.startswith(OPEN):
            self._pending = None
            return pending
        if OPEN.startswith(stripped):  # still maybe the model's own "<think>": wait and see
            self._pending = pending
            return ""
        self._pending = None
        return self._opening + pending

    def flush(self) -> str:
        pending, self._pending = self._pending, None
        return self._opening + pending if pending else ""
