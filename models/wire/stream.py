"""The client's side of the wire format: reading what an OpenAI-compatible server answers.

A streamed chat answer is a sequence of server-sent events (`data: {json}` and a blank line),
ended by `data: [DONE]`. `EventDecoder` turns the bytes, in whatever pieces the network hands
them over, into the events' data; `read_chunk` turns one event into a `Piece` of the answer:
text, reasoning (`reasoning_content` as vLLM, DeepSeek and Hearth send it, or `reasoning` as
Ollama and newer vLLM do), the finish reason, and the usage when the server reports it.
`read_model_list` reads `GET /v1/models`, with the context length where a server says it
(vLLM's `max_model_len`, llama-server's `meta.n_ctx_train`).

Nothing a server sends is trusted: a line longer than `MAX_LINE_BYTES`, text that is not UTF-8,
JSON that is not a chunk, all raise `MalformedStreamError` with one sentence; a server that
reports an error inside the stream raises `WireError` with its message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from models.wire.errors import WireError
from models.wire.responses import Usage

MAX_LINE_BYTES = 4 * 1024 * 1024  # one event's line: far above any real chunk, below a flood
MAX_MODEL_ID_CHARS = 256
MAX_LISTED_MODELS = 1000
DONE_DATA = "[DONE]"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class MalformedStreamError(ValueError):
    """What the server sent is not the OpenAI wire format; the message says how, in one sentence."""


class EventDecoder:
    """Server-sent events from bytes (the WHATWG rules Hearth needs: `data:` lines joined by
    newlines, a blank line ends an event, `:` lines are comments, other fields are ignored).
    `keepalives` counts comment lines, which servers send to show they are still there."""

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._max_line = max_line_bytes
        self._buffer = b""
        self._data: list[str] = []
        self.keepalives = 0

    def feed(self, chunk: bytes) -> list[str]:
        """The data of every event completed by `chunk`."""
        self._buffer += chunk
        events: list[str] = []
        start = 0
        for end in _LINE_END.finditer(self._buffer):
            if end.group() == b"\r" and end.end() == len(self._buffer):
                break  # maybe the first half of "\r\n": wait for the next byte
            self._line(self._buffer[start:end.start()], events)
            start = end.end()
        self._buffer = self._buffer[start:]
        if len(self._buffer) > self._max_line:
            raise MalformedStreamError(
                f"The server sent a line longer than {self._max_line // (1024 * 1024)} MiB; that is not an answer."
            )
        return events

    def _line(self, raw: bytes, events: list[str]) -> None:
        if len(raw) > self._max_line:
            raise MalformedStreamError(
                f"The server sent a line longer than {self._max_line // (1024 * 1024)} MiB; that is not an answer."
            )
        try:
            line = raw.decode("utf-8")  # line ends are ASCII: a character never spans two lines
        except UnicodeDecodeError as exc:
            raise MalformedStreamError("The server sent text that is not UTF-8.") from exc
        if not line:
            if self._data:
                events.append("\n".join(self._data))
                self._data = []
            return
        if line.startswith(":"):
            self.keepalives += 1
            return
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)

    def close(self) -> list[str]:
        """The stream ended: an event left without its blank line still counts."""
        if self._buffer:
            self._line(self._buffer, [])
            self._buffer = b""
        events, self._data = (["\n".join(self._data)] if self._data else []), []
        return events


@dataclass(frozen=True)
class Piece:
    """One streamed chunk of a chat answer."""

    content: str = ""
    reasoning: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None


def _parse(data: str, what: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as exc:
        shown = data if len(data) <= 40 else data[:37] + "..."
        raise MalformedStreamError(f"The server sent {what} that is not JSON ({shown!r}).") from exc


def read_chunk(data: str) -> Piece:
    """One event's data as a piece of the answer. Raises WireError for an error the server
    reports mid-stream, MalformedStreamError for anything that is not a chat chunk."""
    body = _parse(data, "a streamed piece")
    if not isinstance(body, dict):
        raise MalformedStreamError("The server sent a streamed piece that is not a JSON object.")
    if "error" in body:
        error = WireError.from_json(500, body)
        raise WireError(error.message, error.status, code=error.code, kind=error.type)
    choices = body.get("choices")
    usage = Usage.from_json(body.get("usage"))
    if choices is None or choices == []:
        if usage is None and "choices" not in body:
            raise MalformedStreamError("The server sent a streamed piece without 'choices'.")
        return Piece(usage=usage)
    if not isinstance(choices, list) or not isinstance(choices[0], dict):
        raise MalformedStreamError("The server sent 'choices' that are not a list of objects.")
    choice = choices[0]
    delta = choice.get("delta") or {}
    if not isinstance(delta, dict):
        raise MalformedStreamError("The server sent a 'delta' that is not an object.")
    finish = choice.get("finish_reason")
    return Piece(
        content=_text(delta.get("content")),
        reasoning=_text(delta.get("reasoning_content")) or _text(delta.get("reasoning")),
        finish_reason=finish if isinstance(finish, str) and finish else None,
        usage=usage,
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def read_error(status: int, body: bytes) -> WireError:
    """The error a server answered, from OpenAI's shape or the other shapes servers use
    (FastAPI's `{"detail": ...}`, Ollama's `{"error": "text"}`), with its message kept short."""
    try:
        parsed: Any = json.loads(body.decode("utf-8", errors="replace")) if body else None
    except ValueError:
        parsed = None
    message: object = None
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict):
            message = error.get("message")
        elif isinstance(error, str):
            message = error
        elif isinstance(parsed.get("detail"), str):
            message = parsed["detail"]
        elif isinstance(parsed.get("message"), str):
            message = parsed["message"]
    text = _CONTROL.sub(" ", message).strip() if isinstance(message, str) else ""
    if len(text) > 300:
        text = text[:297] + "..."
    return WireError(text or f"The server answered HTTP {status}.", status, kind="server_error")


@dataclass(frozen=True)
class ListedModel:
    """A model an endpoint serves, as `GET /v1/models` lists it."""

    id: str
    context_length: int | None = None  # when the server says (vLLM, llama-server)
    owned_by: str | None = None


def _positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1 << 31 else None


def read_model_list(body: bytes) -> list[ListedModel]:
    """The models of a `GET /v1/models` answer. Entries with an unusable id (not a string,
    empty, control characters, absurdly long) are left out; more than MAX_LISTED_MODELS are cut."""
    parsed = _parse(body.decode("utf-8", errors="replace"), "a model list")
    data = parsed.get("data") if isinstance(parsed, dict) else None
    if not isinstance(data, list):
        raise MalformedStreamError("The server's model list has no 'data' list; is this an OpenAI-compatible API?")
    models: list[ListedModel] = []
    seen: set[str] = set()
    for entry in data[:MAX_LISTED_MODELS]:
        if not isinstance(entry, dict):
            continue
        model_id = entry.get("id")
        if not isinstance(model_id, str) or not model_id.strip() or len(model_id) > MAX_MODEL_ID_CHARS:
            continue
        if _CONTROL.search(model_id) or model_id in seen:
            continue
        seen.add(model_id)
        raw_meta = entry.get("meta")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        context = (_positive_int(entry.get("max_model_len")) or _positive_int(entry.get("context_length"))
                   or _positive_int(meta.get("n_ctx")) or _positive_int(meta.get("n_ctx_train")))
        owner = entry.get("owned_by")
        models.append(ListedModel(model_id, context, owner if isinstance(owner, str) else None))
    return models
