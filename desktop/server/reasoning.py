"""The engine's `<think>…</think>answer` stream, cut into `reasoning_content` and `content`.

Every family's reasoning reaches the app in that one form (models.families.reasoning); API
clients want it apart, as vLLM and DeepSeek send it. The markers may arrive split across
pieces ("<thi", "nk>"), so text that may be the start of one is held back until it is not.
"""

from __future__ import annotations

from typing import Literal

from models.families import CLOSE, OPEN

Field = Literal["reasoning_content", "content"]
Piece = tuple[Field, str]


def _partial_suffix(text: str, marker: str) -> int:
    """Length of the longest end of `text` that is a beginning of `marker`."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0


class ReasoningSplitter:
    def __init__(self) -> None:
        self._state: Literal["start", "thinking", "answer_start", "answer"] = "start"
        self._pending = ""
        self._said = False  # some reasoning was emitted

    def feed(self, text: str) -> list[Piece]:
        if self._state == "answer":  # the common case, once past any reasoning: no copies
            return [("content", text)] if text else []
        self._pending += text
        pieces: list[Piece] = []
        if self._state == "start":
            stripped = self._pending.lstrip()
            if not stripped or (OPEN.startswith(stripped) and stripped != OPEN):
                return pieces  # may still become "<think>"
            if not stripped.startswith(OPEN):
                self._state, text, self._pending = "answer", self._pending, ""
                return [("content", text)]
            self._state, self._pending = "thinking", stripped[len(OPEN) :]
        if self._state == "thinking":
            if not self._said:  # the reasoning's leading blank lines go, however they arrive
                self._pending = self._pending.lstrip()
            end = self._pending.find(CLOSE)
            if end < 0:
                # Held back: what may be the start of "</think>", and trailing whitespace (which
                # goes if "</think>" follows it).
                keep = _partial_suffix(self._pending, CLOSE)
                out = self._pending[: len(self._pending) - keep].rstrip()
                self._pending = self._pending[len(out) :]
                self._said = self._said or bool(out)
                return [("reasoning_content", out)] if out else []
            if reasoning := self._pending[:end].rstrip():
                pieces.append(("reasoning_content", reasoning))
            self._state, self._pending = "answer_start", self._pending[end + len(CLOSE) :]
        answer = self._pending.lstrip()  # the answer's first characters, after the reasoning
        self._pending = ""
        if answer:
            self._state = "answer"
            pieces.append(("content", answer))
        return pieces

    def flush(self) -> list[Piece]:
        pending, self._pending = self._pending, ""
        if not pending:
            return []
        return [("reasoning_content" if self._state == "thinking" else "content", pending)]
