"""GPT-OSS's harmony output, streamed into the app's reasoning form `<think>…</think>answer`.

GPT-OSS answers in channels, each message framed by special tokens:

    <|channel|>analysis<|message|>…reasoning…<|end|><|start|>assistant<|channel|>final<|message|>…answer…<|return|>

(the prompt ends with `<|start|>assistant`, so the first header has no `<|start|>`; a tool call
adds ` to=functions.x` and `<|constrain|>json` to the header and ends with `<|call|>`). Decoded
without special tokens the frames vanish and reasoning runs straight into the answer, so the
engine decodes this family's special tokens as text and feeds the pieces through `HarmonyStream`:

- analysis and commentary messages (Hearth offers no tools, so commentary can only be preamble
  or a tool call) become the thinking, consecutive messages separated by a blank line;
- the final message becomes the answer, after `</think>`;
- text outside any frame (a model that ignores the format) passes through as answer;
- reasoning that arrives after the answer began is dropped: the app's form has reasoning
  only before the answer, and the template drops it from the history anyway.

Markers may arrive split across pieces (when a model's vocabulary lacks them as single tokens):
a tail that could be the start of a marker is held back until the next piece decides it.
"""

from __future__ import annotations

from typing import Literal

from models.families.reasoning import CLOSE, OPEN

START, CHANNEL, MESSAGE, END = "<|start|>", "<|channel|>", "<|message|>", "<|end|>"
RETURN, CALL, CONSTRAIN = "<|return|>", "<|call|>", "<|constrain|>"
MARKERS = (START, CHANNEL, MESSAGE, END, RETURN, CALL, CONSTRAIN)
_MAX_HELD = max(len(m) for m in MARKERS) - 1

_State = Literal["loose", "header", "channel", "body", "between", "done"]


class HarmonyStream:
    """Feed decoded pieces in order; get back the text to show, in `<think>` form."""

    def __init__(self) -> None:
        self._state: _State = "loose"  # no frame seen yet: plain text is answer
        self._channel = ""
        self._header = ""
        self._held = ""
        self._thinking = False  # a <think> block is open
        self._answering = False  # answer text has been emitted
        self._messages_in_thinking = 0

    def feed(self, piece: str) -> str:
        if not self._held and "<" not in piece:  # the common case: no marker can start here
            return self._text(piece)
        data, self._held = self._held + piece, ""
        out: list[str] = []
        while data:
            cut = data.find("<|")
            if cut < 0:
                if data.endswith("<"):  # maybe the first character of a marker
                    out.append(self._text(data[:-1]))
                    self._held = "<"
                else:
                    out.append(self._text(data))
                break
            if cut:
                out.append(self._text(data[:cut]))
                data = data[cut:]
            marker = next((m for m in MARKERS if data.startswith(m)), None)
            if marker is not None:
                out.append(self._marker(marker))
                data = data[len(marker) :]
            elif len(data) <= _MAX_HELD and any(m.startswith(data) for m in MARKERS):
                self._held = data  # maybe a marker split across pieces: decide with the next one
                break
            else:
                out.append(self._text(data[:2]))
                data = data[2:]
        return "".join(out)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return self._text(held) if held else ""

    def _marker(self, marker: str) -> str:
        if marker in (RETURN, CALL):
            self._state = "done"
        elif marker == START:
            self._state, self._header, self._channel = "header", "", ""
        elif marker == CHANNEL:
            self._state, self._header = "channel", ""
        elif marker == CONSTRAIN:
            self._state = "header" if self._state == "loose" else self._state
        elif marker == MESSAGE:
            if self._state == "channel":
                self._channel = self._header.split()[0] if self._header.split() else ""
            self._state = "body"
            if self._channel != "final" and self._thinking:
                self._messages_in_thinking += 1
        elif marker == END:
            self._state = "between"
        return ""

    def _text(self, text: str) -> str:
        state = self._state
        if state in ("header", "channel"):
            self._header += text
            return ""
        if state == "done":
            return ""
        if state == "between":
            if not text.strip():
                return ""
            self._state, self._channel = "body", "final"  # text after <|end|> without a new frame
        if state == "loose" or self._channel in ("final", ""):
            return self._answer(text)
        return self._reasoning(text)

    def _answer(self, text: str) -> str:
        prefix = ""
        if self._thinking:
            prefix, self._thinking = CLOSE, False
        if not self._answering:
            text = text.lstrip() if prefix else text
            if not text:
                return prefix
            self._answering = True
        return prefix + text

    def _reasoning(self, text: str) -> str:
        if self._answering:
            return ""
        if not self._thinking:
            self._thinking, self._messages_in_thinking = True, 1
            return OPEN + text
        if self._messages_in_thinking > 1:  # a second reasoning message: keep the two apart
            self._messages_in_thinking = 1
            return "\n\n" + text
        return text
