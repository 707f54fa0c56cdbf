"""The engine with the real starter model, SmolLM2-135M-Instruct: real answers, real speeds."""

from __future__ import annotations

import threading

import pytest

from models.cancel import CancelToken
from models.engine import Engine, SamplingParams

pytestmark = pytest.mark.starter

CAPITAL = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


def test_answers_paris(starter_engine: Engine) -> None:
    pieces: list[str] = []
    stats = starter_engine.chat(CAPITAL, SamplingParams(temperature=0, max_tokens=32), pieces.append)
    assert "Paris" in "".join(pieces)
    assert stats.stop_reason == "stop"  # the model ended its answer itself


def test_cancel_in_the_middle_of_a_long_prompt(starter_engine: Engine) -> None:
    """Evaluating this prompt takes seconds; the abort callback must stop it within a batch."""
    long_prompt = [{"role": "user", "content": "Summarise these notes. " + "The kettle sang on the stove. " * 700}]
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    try:
        stats = starter_engine.chat(long_prompt, SamplingParams(max_tokens=16), cancel=cancel)
    finally:
        timer.cancel()
    assert stats.stop_reason == "cancelled"
    assert stats.generated_tokens == 0
    assert stats.prompt_tokens > 4000
    assert stats.evaluated_prompt_tokens < stats.prompt_tokens
    # The engine is usable right after, and still right.
    pieces: list[str] = []
    starter_engine.chat(CAPITAL, SamplingParams(temperature=0, max_tokens=32), pieces.append)
    assert "Paris" in "".join(pieces)


def test_twenty_turn_follow_up_evaluates_only_the_new_turn(starter_engine: Engine) -> None:
    messages: list[dict[str, str]] = [{"role": "system", "content": "You answer briefly."}]
    for turn in range(20):
        messages.append({"role": "user", "content": f"Give me fact number {turn} about rivers."})
        pieces: list[str] = []
        starter_engine.chat(messages, SamplingParams(temperature=0, max_tokens=24), pieces.append)
        messages.append({"role": "assistant", "content": "".join(pieces)})
    messages.append({"role": "user", "content": "Thanks. Which river is longest?"})
    follow_up = starter_engine.chat(messages, SamplingParams(temperature=0, max_tokens=8))
    assert follow_up.prompt_tokens > 500
    assert follow_up.dropped_messages == 0
    assert follow_up.evaluated_prompt_tokens < 60, follow_up
