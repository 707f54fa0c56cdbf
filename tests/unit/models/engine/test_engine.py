"""The llama.cpp engine on tiny generated models: loading, streaming, cancelling, trimming."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from models.cancel import CancelToken
from models.engine import Engine, EngineSettings, SamplingParams, hardware
from models.errors import ContextOverflowError, EngineStateError, ModelFileError

HELLO = [{"role": "user", "content": "Hello there"}]


def test_load_chooses_defaults_for_this_machine(tiny_engine: Engine, tiny_model: Path) -> None:
    info = tiny_engine.model
    assert info is not None
    assert info.path == tiny_model
    assert info.context_length == 2048  # the model's trained context, under the 8192 cap
    assert info.threads == hardware.physical_cores()
    assert info.template_source == "model"
    assert info.layer_count == 2
    if not hardware.supports_gpu_offload():
        assert info.gpu_layers == 0
        assert info.backend.startswith("CPU")


def test_context_is_capped_by_the_setting(tiny_model: Path) -> None:
    engine = Engine(EngineSettings(max_context=512, threads=1))
    info = engine.load(tiny_model)
    assert (info.context_length, info.threads) == (512, 1)


def test_streams_an_answer_with_statistics(tiny_engine: Engine) -> None:
    pieces: list[str] = []
    stats = tiny_engine.chat(HELLO, SamplingParams(temperature=0, max_tokens=20), pieces.append)
    assert stats.stop_reason == "length"
    assert stats.generated_tokens == 20
    assert len(pieces) > 1
    assert stats.prompt_tokens == len(tiny_engine.prepare_prompt(HELLO).tokens)
    assert stats.time_to_first_token_s > 0
    assert stats.generation_tokens_per_s > 0
    assert stats.prompt_tokens_per_s > 0


def test_same_seed_same_answer(tiny_engine: Engine) -> None:
    def answer(seed: int) -> str:
        out: list[str] = []
        tiny_engine.chat(HELLO, SamplingParams(temperature=1.0, seed=seed, max_tokens=15), out.append)
        return "".join(out)

    assert answer(7) == answer(7)
    assert answer(7) != answer(8)


def test_cancel_mid_answer_then_answer_normally(tiny_engine: Engine) -> None:
    cancel = CancelToken()
    pieces: list[str] = []

    def on_text(text: str) -> None:
        pieces.append(text)
        if len(pieces) == 5:
            cancel.cancel()

    stats = tiny_engine.chat(HELLO, SamplingParams(temperature=0), on_text, cancel)
    assert stats.stop_reason == "cancelled"
    assert len(pieces) == 5  # nothing streamed after the cancel
    assert 5 <= stats.generated_tokens < 20
    again = tiny_engine.chat(HELLO, SamplingParams(temperature=0, max_tokens=10))
    assert (again.stop_reason, again.generated_tokens) == ("length", 10)


def test_cancel_before_start(tiny_engine: Engine) -> None:
    cancel = CancelToken()
    cancel.cancel()
    stats = tiny_engine.chat(HELLO, SamplingParams(), cancel=cancel)
    assert (stats.stop_reason, stats.generated_tokens) == ("cancelled", 0)


def test_answer_stops_when_the_context_is_full(tiny_model: Path) -> None:
    engine = Engine(EngineSettings(max_context=256))
    engine.load(tiny_model)
    stats = engine.chat(HELLO, SamplingParams(temperature=0))
    assert stats.stop_reason == "context"
    assert stats.prompt_tokens + stats.generated_tokens == 256


def test_fifty_turns_overflow_the_context_and_the_oldest_go(tiny_engine: Engine) -> None:
    messages = [{"role": "system", "content": "You are terse."}]
    for turn in range(50):
        messages.append({"role": "user", "content": f"Question {turn}: " + "tell me more " * 8})
        messages.append({"role": "assistant", "content": f"Answer {turn}: " + "here is more " * 8})
    messages.append({"role": "user", "content": "And finally?"})
    prompt = tiny_engine.prepare_prompt(messages, max_tokens=8)
    assert prompt.dropped > 0
    assert prompt.messages[0]["content"] == "You are terse."
    assert prompt.messages[-1]["content"] == "And finally?"
    stats = tiny_engine.chat(messages, SamplingParams(max_tokens=8))
    assert stats.dropped_messages == prompt.dropped
    assert stats.generated_tokens == 8
    assert stats.prompt_tokens <= 2048 - 8


def test_one_message_longer_than_the_context_is_a_clear_error(tiny_engine: Engine) -> None:
    with pytest.raises(ContextOverflowError, match="too long"):
        tiny_engine.chat([{"role": "user", "content": "word " * 5000}])
    assert tiny_engine.chat(HELLO, SamplingParams(max_tokens=3)).generated_tokens == 3


def test_follow_up_reuses_the_evaluated_prefix(tiny_engine: Engine) -> None:
    messages = [{"role": "user", "content": "Tell me a long story " * 30}]
    out: list[str] = []
    first = tiny_engine.chat(messages, SamplingParams(temperature=0, max_tokens=10), out.append)
    assert first.evaluated_prompt_tokens == first.prompt_tokens
    messages += [{"role": "assistant", "content": "".join(out)}, {"role": "user", "content": "more"}]
    follow_up = tiny_engine.chat(messages, SamplingParams(temperature=0, max_tokens=10))
    assert follow_up.prompt_tokens > first.prompt_tokens
    # Only what is new since the first prompt (the answer and the new question) is evaluated.
    assert follow_up.evaluated_prompt_tokens <= follow_up.prompt_tokens - first.prompt_tokens + 1


def test_switching_conversations_keeps_each_prefix(tiny_engine: Engine) -> None:
    a = [{"role": "user", "content": "Conversation A " * 60}]
    b = [{"role": "user", "content": "Conversation B " * 60}]
    first_a = tiny_engine.chat(a, SamplingParams(max_tokens=2))
    tiny_engine.chat(b, SamplingParams(max_tokens=2))
    back_to_a = tiny_engine.chat([*a, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "and?"}],
                                 SamplingParams(max_tokens=2))
    assert first_a.prompt_tokens > 180
    # A's evaluated prompt came back from the cache: only the new turn is evaluated.
    assert back_to_a.evaluated_prompt_tokens <= back_to_a.prompt_tokens - first_a.prompt_tokens + 1


def test_model_without_template_uses_the_stated_fallback(make_tiny_model, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    engine = Engine()
    with caplog.at_level(logging.WARNING):
        info = engine.load(make_tiny_model(chat_template=None))
    assert info.template_source == "fallback"
    assert "no chat template" in caplog.text
    assert engine.prepare_prompt(HELLO).text == "<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n"


def test_the_models_own_template_is_used(make_tiny_model) -> None:  # type: ignore[no-untyped-def]
    template = "{% for m in messages %}### {{ m['role'] }}: {{ m['content'] }}\n{% endfor %}### assistant:"
    engine = Engine()
    engine.load(make_tiny_model(chat_template=template))
    assert engine.prepare_prompt(HELLO).text == "### user: Hello there\n### assistant:"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"architecture": "frobnicator"}, "unknown model architecture: 'frobnicator'"),
        ({"n_head": 3}, "has wrong shape"),
        ({"n_layers": 0}, "declares 0 layers"),
    ],
    ids=["unknown-architecture", "wrong-tensor-shape", "zero-layers"],
)
def test_files_llama_cpp_refuses_name_its_reason(make_tiny_model, tiny_model: Path, spec, reason) -> None:  # type: ignore[no-untyped-def]
    engine = Engine()
    with pytest.raises(ModelFileError, match=reason) as caught:
        engine.load(make_tiny_model(**spec))
    assert "\n" not in str(caught.value)
    assert engine.model is None
    engine.load(tiny_model)  # and the engine is usable afterwards
    assert engine.chat(HELLO, SamplingParams(max_tokens=2)).generated_tokens == 2


def test_chat_without_a_model_is_a_clear_error() -> None:
    with pytest.raises(EngineStateError, match="No model is loaded"):
        Engine().chat(HELLO)


def test_new_settings_apply_at_the_next_load(tiny_model: Path) -> None:
    engine = Engine()
    assert engine.load(tiny_model).context_length == 2048
    info = engine.load(tiny_model, settings=EngineSettings(max_context=1024, threads=1))
    assert (info.context_length, info.threads) == (1024, 1)
    assert engine.load(tiny_model).context_length == 1024  # they stay
