"""GPT-OSS's harmony channels become the app's `<think>…</think>answer` form, streamed."""

from __future__ import annotations

import pytest

from models.engine import SamplingParams
from models.families import HarmonyStream, split_reasoning
from tests.fixtures.families import FamilyModel
from tests.unit.models.families.cases import EngineFor, model
from tests.unit.models.families.scripted import script

ANSWER = (
    "<|channel|>analysis<|message|>The user greets me. I should greet back.<|end|>"
    "<|start|>assistant<|channel|>final<|message|>Hello! How can I help?"
)


def stream(pieces: list[str]) -> str:
    harmony = HarmonyStream()
    return "".join(harmony.feed(piece) for piece in pieces) + harmony.flush()


def test_analysis_becomes_thinking_and_final_the_answer() -> None:
    pieces = ["<|channel|>", "analysis", "<|message|>", "The user greets me.", " I should greet back.", "<|end|>",
              "<|start|>", "assistant", "<|channel|>", "final", "<|message|>", "Hello!", " How can I help?"]
    assert stream(pieces) == "<think>The user greets me. I should greet back.</think>Hello! How can I help?"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_markers_split_across_pieces(size: int) -> None:
    pieces = [ANSWER[i : i + size] for i in range(0, len(ANSWER), size)]
    assert stream(pieces) == "<think>The user greets me. I should greet back.</think>Hello! How can I help?"


def test_several_reasoning_messages_and_a_tool_preamble_stay_apart() -> None:
    answer = ("<|channel|>analysis<|message|>First thought.<|end|><|start|>assistant<|channel|>commentary"
              " to=functions.search<|constrain|>json<|message|>{\"q\": 1}<|end|>"
              "<|start|>assistant<|channel|>final<|message|>Done.")
    assert stream([answer]) == "<think>First thought.\n\n{\"q\": 1}</think>Done."


def test_text_outside_any_frame_is_the_answer() -> None:
    assert stream(["Just an answer ", "with <b>markup</b> and <|unknown", " text."]) == (
        "Just an answer with <b>markup</b> and <|unknown text."
    )


def test_reasoning_cut_off_stays_open() -> None:
    text = stream(["<|channel|>analysis<|message|>Still thinking"])
    assert text == "<think>Still thinking"
    assert split_reasoning(text).thinking_done is False


def test_reasoning_after_the_answer_is_dropped() -> None:
    answer = ANSWER + "<|end|><|start|>assistant<|channel|>analysis<|message|>Afterthought<|end|>"
    assert stream([answer]) == "<think>The user greets me. I should greet back.</think>Hello! How can I help?"


@pytest.mark.compat("reasoning")
@pytest.mark.parametrize("model", [model("gpt-oss")], ids=["gpt-oss"])
def test_the_engine_streams_gpt_oss_in_think_form(
    model: FamilyModel, family_engine: EngineFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = family_engine(model)
    ids = script(engine, monkeypatch, ANSWER)
    pieces: list[str] = []
    stats = engine.chat([{"role": "user", "content": "Hi"}], SamplingParams(), pieces.append)
    assert (stats.stop_reason, stats.generated_tokens) == ("stop", len(ids))
    assert "".join(pieces) == "<think>The user greets me. I should greet back.</think>Hello! How can I help?"
    split = split_reasoning("".join(pieces))
    assert (split.thinking, split.answer) == ("The user greets me. I should greet back.", "Hello! How can I help?")
    # Only the answer goes back into the history, in the final channel.
    follow_up = engine.render([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "".join(pieces)},
                               {"role": "user", "content": "Thanks"}])
    assert "<|channel|>final<|message|>Hello! How can I help?<|end|>" in follow_up
    assert "greet back" not in follow_up
