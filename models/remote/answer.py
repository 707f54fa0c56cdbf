"""One chat answer from a remote engine, in the form the local engine gives it.

Reasoning that a server sends apart (`reasoning_content`, `reasoning`) becomes the same
`<think>…</think>` prefix the local engine streams (models.families.reasoning), so the window,
the store and the history sent back treat both alike; a model whose server leaves `<think>` in
the text needs nothing. The statistics come from the server's `usage` where it reports it, and
from counting streamed pieces where it does not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from models.cancel import CancelToken
from models.engine import GenerationStats
from models.families import DEFAULT_SETTINGS
from models.remote.client import RemoteClient
from models.wire import ChatMessage, ChatRequest, Piece, Sampling

_ROLES = ("system", "developer", "user", "assistant")
_STOP_REASONS: dict[str | None, Any] = {"stop": "stop", "length": "length", None: "stop"}  # models.engine's StopReason


def sampling_from(settings: Mapping[str, Any]) -> Sampling:
    """What the user set (conversation settings, or the command line's flags); everything else
    is left to the server, which knows its model's recommended sampling better than Hearth."""
    given = {k: v for k, v in settings.items() if k in DEFAULT_SETTINGS and v is not None}

    def number(key: str) -> float | None:
        value = given.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    seed, max_tokens = given.get("seed"), given.get("max_tokens")
    return Sampling(
        temperature=number("temperature"),
        top_p=number("top_p"),
        top_k=int(given["top_k"]) if isinstance(given.get("top_k"), int) and given["top_k"] > 0 else None,
        min_p=number("min_p"),
        repeat_penalty=number("repeat_penalty"),
        max_tokens=max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None,
        seed=seed if isinstance(seed, int) and seed >= 0 else None,
    )


def remote_answer(
    client: RemoteClient,
    model: str,
    messages: Sequence[Mapping[str, str]],
    sampling: Sampling,
    on_text: Callable[[str], None],
    cancel: CancelToken,
    thinking: bool | None = None,
) -> GenerationStats:
    """Stream `model`'s answer to `on_text`. Raises RemoteError; a cancelled answer returns
    with stop_reason "cancelled" and what came so far already handed to `on_text`."""
    request = ChatRequest(
        model=model,
        messages=tuple(
            ChatMessage(cast(Any, m["role"]) if m["role"] in _ROLES else "user", m["content"]) for m in messages
        ),
        sampling=sampling,
        stream=True,
        include_usage=True,
        thinking=thinking,
    )
    stream = _Stream(on_text)
    started = time.perf_counter()
    finish = client.stream_chat(request, stream.add, cancel)
    stream.end()
    total = time.perf_counter() - started
    first = (stream.first_at - started) if stream.first_at is not None else total
    usage = stream.usage
    prompt_tokens = usage.prompt_tokens if usage else 0
    generated = usage.completion_tokens if usage else stream.pieces
    generating_s = total - first
    reason: Any = "cancelled" if cancel.cancelled else _STOP_REASONS.get(finish, "stop")
    return GenerationStats(
        prompt_tokens=prompt_tokens,
        evaluated_prompt_tokens=prompt_tokens,
        generated_tokens=generated,
        time_to_first_token_s=first,
        prompt_tokens_per_s=prompt_tokens / first if first > 0 else 0.0,
        generation_tokens_per_s=(generated - 1) / generating_s if generated > 1 and generating_s > 0 else 0.0,
        total_s=total,
        stop_reason=reason,
        dropped_messages=0,
    )


class _Stream:
    """Pieces to text: reasoning wrapped in <think>…</think>, closed when the answer begins."""

    def __init__(self, on_text: Callable[[str], None]) -> None:
        self._on_text = on_text
        self._thinking = False
        self.first_at: float | None = None
        self.pieces = 0
        self.usage: Any = None

    def add(self, piece: Piece) -> None:
        if piece.usage is not None:
            self.usage = piece.usage
        text = ""
        if piece.reasoning:
            if not self._thinking and self.pieces == 0:
                text, self._thinking = "<think>", True
            text += piece.reasoning if self._thinking else ""
        if piece.content:
            if self._thinking:
                text, self._thinking = text + "</think>", False  # the history sent back begins at the answer
            text += piece.content
        if text:
            if self.first_at is None:
                self.first_at = time.perf_counter()
            self.pieces += 1
            self._on_text(text)

    def end(self) -> None:
        if self._thinking:  # reasoning only (stopped, or out of tokens while thinking)
            self._thinking = False
            self._on_text("</think>")
