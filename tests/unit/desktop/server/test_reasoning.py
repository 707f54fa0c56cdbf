"""The engine's `<think>…</think>answer` stream, cut into reasoning and answer, however it is split."""

from __future__ import annotations

import pytest

from desktop.server.reasoning import ReasoningSplitter

STREAM = "<think>\nLet me see: 2 + 2.\n</think>\n\nIt is 4."


def split(pieces: list[str]) -> tuple[str, str]:
    splitter = ReasoningSplitter()
    out = [p for piece in pieces for p in splitter.feed(piece)] + splitter.flush()
    assert all(text for _field, text in out)  # no empty deltas
    return ("".join(t for f, t in out if f == "reasoning_content"), "".join(t for f, t in out if f == "content"))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 100])
def test_markers_split_anywhere_still_separate(size: int) -> None:
    pieces = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    assert split(pieces) == ("Let me see: 2 + 2.", "It is 4.")


def test_an_answer_without_reasoning_streams_untouched() -> None:
    assert split(["Hello", " <think> is", " just text"]) == ("", "Hello <think> is just text")
    assert split(["<thi", "s is not a marker"]) == ("", "<this is not a marker")
    assert split(["  ", "Hi"]) == ("", "  Hi")


def test_reasoning_cut_short_stays_reasoning() -> None:
    assert split(["<think>Still thinking", " about </thi"]) == ("Still thinking about </thi", "")
    assert split(["<think>", "</think>", "Done"]) == ("", "Done")
