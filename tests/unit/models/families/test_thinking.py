"""Reasoning that a template opens in the prompt (DeepSeek-R1), and the per-conversation
thinking switch (Qwen 3, DeepSeek V3.1): the output always reaches the app as
`<think>…</think>answer`."""

from __future__ import annotations

import threading

import pytest

from models.engine import Engine, EngineWorker, GenerationStats, SamplingParams
from models.families import PromptOpenedThinking, opened_in_prompt, split_reasoning
from tests.fixtures.families import FamilyModel
from tests.unit.models.families.cases import EngineFor, FileFor, model
from tests.unit.models.families.scripted import script

HI = [{"role": "user", "content": "Why is the sky blue?"}]


def answer(engine: Engine, thinking: bool | None = None) -> str:
    pieces: list[str] = []
    engine.chat(HI, SamplingParams(), pieces.append, thinking=thinking)
    return "".join(pieces)


def test_prompt_opened_thinking_is_found_at_the_prompts_end() -> None:
    assert opened_in_prompt("<｜User｜>Hi<｜Assistant｜><think>\n") == "<think>\n"
    assert opened_in_prompt("<think>\nold</think>\n<|im_start|>assistant\n") == ""
    assert opened_in_prompt("<|im_start|>assistant\n<think>\n\n</think>\n\n") == ""
    assert opened_in_prompt("no reasoning here") == ""


@pytest.mark.parametrize("pieces", [["Rayleigh", " scattering.</think>", "Because of scattering."],
                                    ["<think>", "Rayleigh scattering.</think>Because of scattering."],
                                    ["<thi", "nk>Rayleigh scattering.</think>Because of scattering."]],
                         ids=["inside-reasoning", "model-reopens", "model-reopens-split"])
def test_prompt_opened_thinking_streams_a_well_formed_block(pieces: list[str]) -> None:
    opened = PromptOpenedThinking("<think>\n")
    text = "".join(opened.feed(p) for p in pieces) + opened.flush()
    split = split_reasoning(text)
    assert text.startswith("<think>") and text.count("<think>") == 1
    assert (split.thinking, split.answer) == ("Rayleigh scattering.", "Because of scattering.")
    assert split.thinking_done


@pytest.mark.compat("reasoning")
@pytest.mark.parametrize("model", [model("deepseek-r1-distill")], ids=["deepseek-r1-distill"])
def test_deepseek_r1_output_starts_inside_its_reasoning(
    model: FamilyModel, family_engine: EngineFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = family_engine(model)
    assert engine.prepare_prompt(HI).text.endswith("<｜Assistant｜><think>\n")
    script(engine, monkeypatch, "Light scatters.\n</think>\n\nBecause of Rayleigh scattering.")
    text = answer(engine)
    assert text == "<think>\nLight scatters.\n</think>\n\nBecause of Rayleigh scattering."
    split = split_reasoning(text)
    assert (split.thinking, split.answer) == ("Light scatters.", "Because of Rayleigh scattering.")


@pytest.mark.compat("reasoning")
@pytest.mark.parametrize("model", [model("qwen3"), model("qwen3moe")], ids=["qwen3", "qwen3moe"])
def test_qwen3_thinking_switches_off_per_conversation(
    model: FamilyModel, family_engine: EngineFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = family_engine(model)
    assert engine.model is not None and engine.model.facts is not None and engine.model.facts.thinking_switch
    default, on = engine.prepare_prompt(HI).text, engine.prepare_prompt(HI, thinking=True).text
    off = engine.prepare_prompt(HI, thinking=False).text
    assert default == on and on.endswith("<|im_start|>assistant\n")
    assert off == on + "<think>\n\n</think>\n\n"
    script(engine, monkeypatch, "<think>\nLight scatters.\n</think>\n\nRayleigh.")
    thought = answer(engine)
    assert split_reasoning(thought).thinking == "Light scatters."
    script(engine, monkeypatch, "Rayleigh.")
    assert answer(engine, thinking=False) == "Rayleigh."


@pytest.mark.compat("reasoning")
@pytest.mark.parametrize("model", [model("deepseek-v3")], ids=["deepseek-v3"])
def test_deepseek_v3_thinks_only_when_asked(
    model: FamilyModel, family_engine: EngineFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = family_engine(model)
    # V3.1's default is no thinking: its official template opens the answer with </think> alone.
    assert engine.prepare_prompt(HI).text.endswith("<｜Assistant｜></think>")
    assert engine.prepare_prompt(HI, thinking=True).text.endswith("<｜Assistant｜><think>")
    script(engine, monkeypatch, "Light scatters.</think>Rayleigh.")
    assert answer(engine, thinking=True) == "<think>Light scatters.</think>Rayleigh."
    script(engine, monkeypatch, "Rayleigh.")
    assert answer(engine) == "Rayleigh."


def test_models_without_the_switch_say_so(family_engine: EngineFor) -> None:
    for key in ("llama3", "deepseek-r1-distill", "gpt-oss"):
        facts = family_engine(model(key)).model.facts  # type: ignore[union-attr]
        assert facts is not None and not facts.thinking_switch, key


def test_the_worker_passes_the_switch_on(family_file: FileFor) -> None:
    worker = EngineWorker(Engine())
    loaded, done = threading.Event(), threading.Event()
    errors: list[str] = []
    worker.load(family_file(model("qwen3")), lambda _info: loaded.set(), lambda message, _: errors.append(message))
    assert loaded.wait(30), errors
    prompts: list[str] = []
    engine = worker._engine
    original = engine.prepare_prompt

    def spy(messages, max_tokens=None, thinking=None):  # type: ignore[no-untyped-def]
        prompt = original(messages, max_tokens, thinking)
        prompts.append(prompt.text)
        return prompt

    engine.prepare_prompt = spy  # type: ignore[method-assign]
    finished: list[GenerationStats] = []
    worker.chat(HI, SamplingParams(max_tokens=2), lambda _t: None, lambda s: (finished.append(s), done.set()),
                errors.append, thinking=False)
    assert done.wait(30), errors
    worker.shutdown()
    assert prompts[-1].endswith("<think>\n\n</think>\n\n")
