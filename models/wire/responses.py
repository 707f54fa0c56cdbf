"""OpenAI's response bodies, and the server-sent events that carry a streamed answer.

Shapes as OpenAI's API documents them (and its official `openai` client reads them): a chat
completion with `usage`; its stream of `chat.completion.chunk` objects, the first carrying the
role, the last the `finish_reason`, then (with `stream_options.include_usage`) a chunk with no
choices and the usage, then `data: [DONE]`. Reasoning goes in `reasoning_content` beside
`content`, as vLLM's and DeepSeek's APIs send it.
"""

from __future__ import annotations

import base64
import json
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

FinishReason = Literal["stop", "length"]
JSON = dict[str, Any]
DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    def to_json(self) -> JSON:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }

    @classmethod
    def from_json(cls, body: object) -> Usage | None:
        if not isinstance(body, dict):
            return None
        prompt, completion = body.get("prompt_tokens"), body.get("completion_tokens")
        return cls(prompt, completion) if isinstance(prompt, int) and isinstance(completion, int) else None


@dataclass(frozen=True)
class Head:
    """What every object of one response repeats: its id, creation time and model."""

    id: str
    created: int
    model: str


def dumps(body: JSON) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def sse(body: JSON) -> bytes:
    """One server-sent event: `data: {json}` and a blank line."""
    return b"data: " + dumps(body).encode("utf-8") + b"\n\n"


def chat_completion(head: Head, content: str, reasoning: str, finish: FinishReason, usage: Usage) -> JSON:
    message: JSON = {"role": "assistant", "content": content, "refusal": None}
    if reasoning:
        message["reasoning_content"] = reasoning
    return {
        "id": head.id,
        "object": "chat.completion",
        "created": head.created,
        "model": head.model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": usage.to_json(),
        "system_fingerprint": None,
    }


def chat_chunk(head: Head, delta: JSON, finish: FinishReason | None = None, with_usage: bool = False) -> JSON:
    """A streamed piece: `delta` holds `role`, `content` or `reasoning_content`. With usage
    requested, every chunk carries `"usage": null` until the last one, as OpenAI's do."""
    chunk: JSON = {
        "id": head.id,
        "object": "chat.completion.chunk",
        "created": head.created,
        "model": head.model,
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    if with_usage:
        chunk["usage"] = None
    return chunk


def chat_usage_chunk(head: Head, usage: Usage) -> JSON:
    return {"id": head.id, "object": "chat.completion.chunk", "created": head.created, "model": head.model,
            "system_fingerprint": None, "choices": [], "usage": usage.to_json()}


def text_completion(head: Head, text: str, finish: FinishReason | None, usage: Usage | None) -> JSON:
    """A plain completion, or (with `usage` None and `finish` None until the end) one streamed piece."""
    body: JSON = {
        "id": head.id,
        "object": "text_completion",
        "created": head.created,
        "model": head.model,
        "system_fingerprint": None,
        "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": finish}],
    }
    if usage is not None:
        body["usage"] = usage.to_json()
    return body


def text_usage_chunk(head: Head, usage: Usage) -> JSON:
    return {"id": head.id, "object": "text_completion", "created": head.created, "model": head.model,
            "system_fingerprint": None, "choices": [], "usage": usage.to_json()}


def _base64_floats(vector: Sequence[float]) -> str:
    """OpenAI's base64 encoding: the vector's little-endian float32 bytes."""
    values = array("f", vector)
    if sys.byteorder == "big":
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")


def embedding_list(model: str, vectors: Sequence[Sequence[float]], prompt_tokens: int, encoding: str) -> JSON:
    data = [
        {"object": "embedding", "index": i,
         "embedding": _base64_floats(v) if encoding == "base64" else [float(x) for x in v]}
        for i, v in enumerate(vectors)
    ]
    return {"object": "list", "data": data, "model": model,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}}


def model_list(ids: Sequence[str], created: int, owner: str = "hearth") -> JSON:
    data = [{"id": i, "object": "model", "created": created, "owned_by": owner} for i in ids]
    return {"object": "list", "data": data}
