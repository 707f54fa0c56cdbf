"""From generated token ids to the text the app streams: decoding, stop strings, shaping.

Runs once per generated token, so every step keeps the common case cheap: a plain model
decodes without special tokens, has no stop strings and no shaper, and pays one C call per token.

- `Pieces` decodes ids, holding back the bytes of a UTF-8 character split across tokens.
  `special=True` also prints control tokens: GPT-OSS needs its channel markers as text.
- `StopStrings` ends the answer at a stop string (ChatML markers that are plain text to a model).
- A shaper (`HarmonyStream`, `PromptOpenedThinking`) turns a family's reasoning markup into the
  app's `<think>…</think>answer` form.
"""

from __future__ import annotations

import codecs
import ctypes
from collections.abc import Callable, Sequence
from typing import Protocol

import llama_cpp

from models.engine.native_model import NativeModel


class Shaper(Protocol):
    def feed(self, text: str) -> str: ...

    def flush(self) -> str: ...


class Pieces:
    """Token ids to text, holding back bytes of a UTF-8 character split across tokens."""

    def __init__(self, model: NativeModel, special: bool = False, strip_leading_space: bool = True) -> None:
        self._vocab = model.vocab
        self._special = special
        self._buffer = ctypes.create_string_buffer(256)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # SentencePiece vocabularies start the answer's first word with its space ("▁Ahoy"):
        # llama.cpp strips it when asked, as its own examples do for the first token. A plain
        # completion continues the caller's text, where that space belongs.
        self._lstrip = int(strip_leading_space)

    def text(self, token: int) -> str:
        size, lstrip = len(self._buffer), self._lstrip
        n = llama_cpp.llama_token_to_piece(self._vocab, token, self._buffer, size, lstrip, self._special)
        if n < 0:  # the piece is longer than the buffer: grow it once and retry
            self._buffer = ctypes.create_string_buffer(-n)
            n = llama_cpp.llama_token_to_piece(self._vocab, token, self._buffer, -n, lstrip, self._special)
        if n:
            self._lstrip = 0
        return self._decoder.decode(self._buffer.raw[:n])

    def flush(self) -> str:
        return self._decoder.decode(b"", final=True)


class StopStrings:
    """Ends the answer at any of `stops`, holding back text that may be the start of one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = tuple(stops)
        self._pending = ""
        self.hit = False

    def feed(self, text: str) -> str:
        if not self.stops:
            return text
        self._pending += text
        cuts = [self._pending.find(s) for s in self.stops]
        found = [c for c in cuts if c >= 0]
        if found:
            self.hit = True
            out, self._pending = self._pending[: min(found)], ""
            return out
        keep = max((len(s) - 1 for s in self.stops), default=0)
        out, self._pending = self._pending[: len(self._pending) - keep], self._pending[len(self._pending) - keep :]
        return out

    def flush(self) -> str:
        out, self._pending = self._pending, ""
        return out


def shaped(on_text: Callable[[str], None], shaper: Shaper | None) -> Callable[[str], None]:
    """`on_text` itself when there is nothing to shape: no extra call per token."""
    if shaper is None:
        return on_text

    def emit(text: str) -> None:
        if out := shaper.feed(text):
            on_text(out)

    return emit
