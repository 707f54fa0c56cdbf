"""Leaving out the oldest turns so a conversation fits the context."""

from __future__ import annotations

import itertools

import pytest

from models.engine import fit_to_context
from models.errors import ContextOverflowError


def render(messages):  # type: ignore[no-untyped-def]
    return "".join(f"<{m['role']}>{m['content']}" for m in messages)


def tokenize(text: str) -> list[int]:
    return [ord(c) for c in text]  # one token per character: easy to reason about


def conversation(turns: int, size: int = 40) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": "S" * 20}]
    for i in range(turns):
        messages.append({"role": "user", "content": f"q{i:02d}" + "x" * size})
        messages.append({"role": "assistant", "content": f"a{i:02d}" + "y" * size})
    messages.append({"role": "user", "content": "newest question"})
    return messages


def test_a_conversation_that_fits_is_untouched() -> None:
    messages = conversation(3)
    fitted = fit_to_context(messages, render, tokenize, n_ctx=2000, reserve=100)
    assert fitted.dropped == 0
    assert list(fitted.messages) == messages
    assert fitted.text == render(messages)


def test_oldest_turns_go_first_keeping_system_and_newest() -> None:
    messages = conversation(50)
    fitted = fit_to_context(messages, render, tokenize, n_ctx=1000, reserve=100)
    assert fitted.dropped > 0
    assert fitted.messages[0] == messages[0]
    assert fitted.messages[-1] == messages[-1]
    assert fitted.messages[1]["role"] == "user"  # whole turns only
    assert len(fitted.tokens) <= 1000 - 100
    assert list(fitted.messages[1:]) == messages[1 + fitted.dropped :]


def test_cut_point_stays_put_while_the_conversation_grows() -> None:
    """The kept history must start at the same message for several turns, or prefix reuse breaks."""
    starts = []
    for turns in range(30, 42):
        fitted = fit_to_context(conversation(turns), render, tokenize, n_ctx=2000, reserve=200)
        starts.append(fitted.messages[1]["content"][:3])
    changes = sum(1 for a, b in itertools.pairwise(starts) if a != b)
    assert changes <= 3, starts


def test_a_single_message_longer_than_the_context_is_an_error() -> None:
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "z" * 5000}]
    with pytest.raises(ContextOverflowError, match="too long for this model's context"):
        fit_to_context(messages, render, tokenize, n_ctx=1000, reserve=100)
