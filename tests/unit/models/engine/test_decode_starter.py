"""The engine's own decode loop on the starter model: token for token what llama-cpp-python's
`Llama.generate` (the previous engine) produces, with prefix reuse, the prefix cache, cancels,
UTF-8 split across tokens, and prompt lookup."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import llama_cpp
import pytest

from models.engine import Engine, EngineSettings, SamplingParams
from models.engine.prompt_lookup import exact_here
from tests.fixtures.llama_reference import LlamaReference, recorded_tokens

pytestmark = pytest.mark.starter

PASSAGE = (
    "The Rhine is a river that begins in the Swiss canton of Graubünden in the southeastern Swiss Alps. "
    "It forms part of the Swiss-Liechtenstein, Swiss-Austrian and Swiss-German borders, and then the "
    "Franco-German border, before it flows through the Rhineland and finally empties into the North Sea "
    "in the Netherlands. The biggest city on the river Rhine is Cologne, Germany, with a population of "
    "more than 1,050,000 people. It is the second-longest river in Central and Western Europe, after the "
    "Danube, at about 1,230 km, with an average discharge of about 2,900 cubic metres per second. "
)
GREEDY = SamplingParams(temperature=0, max_tokens=32, seed=0)
CASES = {
    "short question": ([{"role": "user", "content": "What is the capital of France? Answer in one sentence."}], GREEDY),
    "CJK": ([{"role": "user", "content": "Translate to English: 東京は日本の首都です。"}], GREEDY),
    "document in two prompt chunks": (
        [{"role": "user", "content": "Read the passage.\n\n" + PASSAGE * 4 + "\nHow long is the Rhine?"}], GREEDY),
    "repeat penalty": ([{"role": "user", "content": "Write a short poem about the sea."}],
                       SamplingParams(temperature=0, repeat_penalty=1.1, max_tokens=32)),
    "presence and frequency penalties": ([{"role": "user", "content": "List ten fruits, one per line."}],
                                         SamplingParams(temperature=0, presence_penalty=0.6, frequency_penalty=0.4,
                                                        max_tokens=32)),
    "temperature 0.8, seed 1234": ([{"role": "user", "content": "Write a short poem about the sea."}],
                                   SamplingParams(temperature=0.8, seed=1234, max_tokens=32)),
}
GROUNDED = [
    {"role": "system", "content": "You answer questions about documents, quoting them exactly."},
    {"role": "user", "content": "Sources:\n\n[1] " + PASSAGE + "\n\nQuestion: Quote the sentence about Cologne, "
                                "then the one about the Danube."},
]


@pytest.fixture(scope="module")
def engine(starter_model: Path) -> Iterator[Engine]:
    loaded = Engine()
    loaded.load(starter_model)
    yield loaded
    loaded.unload()


@pytest.fixture(scope="module")
def reference(engine: Engine) -> Iterator[LlamaReference]:
    llama = LlamaReference(engine)
    yield llama
    llama.close()


def answer_ids(engine: Engine, messages: list[dict[str, str]], params: SamplingParams) -> list[int]:
    with recorded_tokens(engine) as answers:
        engine.chat(messages, params)
    return answers[0]


@pytest.mark.parametrize("case", list(CASES))
def test_answers_are_token_for_token_those_of_llama_generate(
    engine: Engine, reference: LlamaReference, case: str
) -> None:
    messages, params = CASES[case]
    engine.forget_evaluated()
    reference.llm.reset()
    ours = answer_ids(engine, messages, params)
    assert len(ours) >= 8
    assert ours == reference.generate(list(engine.prepare_prompt(messages).tokens), params, len(ours))


def test_a_plain_completion_is_token_for_token_that_of_llama_generate(
    engine: Engine, reference: LlamaReference
) -> None:
    text = "The three largest cities of Germany are"
    params = SamplingParams(temperature=0.7, seed=99, max_tokens=24, top_k=20)
    engine.forget_evaluated()
    reference.llm.reset()
    with recorded_tokens(engine) as answers:
        engine.complete(text, params)
    assert len(answers[0]) >= 8
    assert answers[0] == reference.generate(engine.tokenize(text), params, len(answers[0]))


def test_a_stop_string_ends_the_answer_where_it_starts(engine: Engine) -> None:
    params = SamplingParams(temperature=0, max_tokens=48)
    messages = [{"role": "user", "content": "Count from one to twenty in words, separated by commas."}]
    full: list[str] = []
    engine.chat(messages, params, full.append)
    answer = "".join(full)
    assert len(answer) > 12
    stop = answer[6:9]
    cut: list[str] = []
    stats = engine.chat(messages, replace(params, stop=(stop,)), cut.append)
    assert stats.stop_reason == "stop"
    assert "".join(cut) == answer[: answer.index(stop)]


def test_a_follow_up_reuses_the_prefix_and_still_matches(engine: Engine, reference: LlamaReference) -> None:
    engine.forget_evaluated()
    reference.llm.reset()
    messages = [{"role": "user", "content": "Read the passage.\n\n" + PASSAGE + "\nWhere does the Rhine begin?"}]
    pieces: list[str] = []
    with recorded_tokens(engine) as answers:
        first = engine.chat(messages, GREEDY, pieces.append)
        messages += [{"role": "assistant", "content": "".join(pieces)}, {"role": "user", "content": "And its end?"}]
        follow_up = engine.chat(messages, GREEDY)
    first_tokens = list(engine.prepare_prompt(messages[:1]).tokens)
    assert answers[0] == reference.generate(first_tokens, GREEDY, len(answers[0]))
    # Both sides keep the evaluated prefix: only the answer and the new question are evaluated.
    assert follow_up.evaluated_prompt_tokens <= follow_up.prompt_tokens - first.prompt_tokens + 1
    assert answers[1] == reference.generate(list(engine.prepare_prompt(messages).tokens), GREEDY, len(answers[1]))


def test_returning_to_a_conversation_restores_its_cells(engine: Engine, starter_model: Path) -> None:
    messages = [{"role": "user", "content": "Read the passage.\n\n" + PASSAGE + "\nWhere does the Rhine begin?"}]
    engine.forget_evaluated()
    pieces: list[str] = []
    engine.chat(messages, GREEDY, pieces.append)
    engine.chat([{"role": "user", "content": "Write a short poem about the sea."}], GREEDY)  # another conversation
    messages += [{"role": "assistant", "content": "".join(pieces)}, {"role": "user", "content": "And its end?"}]
    with recorded_tokens(engine) as after_detour:
        back = engine.chat(messages, GREEDY)
    assert back.evaluated_prompt_tokens < 40  # the first turn's cells came back from the cache
    undisturbed = Engine()  # the same two turns without the detour
    undisturbed.load(starter_model)
    try:
        undisturbed.chat(messages[:1], GREEDY)
        assert answer_ids(undisturbed, messages, GREEDY) == after_detour[0]
    finally:
        undisturbed.unload()


class CancelAfterReads:
    """A cancel token that turns true after `reads` looks: llama.cpp's abort callback looks before
    every graph node, so this cancels at a chosen point inside the prompt's evaluation."""

    def __init__(self, reads: int) -> None:
        self.reads = reads

    @property
    def cancelled(self) -> bool:
        self.reads -= 1
        return self.reads < 0


def test_a_prompt_cancelled_inside_llama_decode_leaves_a_consistent_cache(
    engine: Engine, reference: LlamaReference
) -> None:
    messages = [{"role": "user", "content": "Read the passage.\n\n" + PASSAGE * 8 + "\nHow long is the Rhine?"}]
    engine.forget_evaluated()
    counter = CancelAfterReads(10**9)
    engine.chat(messages, SamplingParams(temperature=0, max_tokens=1), cancel=counter)  # type: ignore[arg-type]
    reads_per_prompt = 10**9 - counter.reads
    engine.forget_evaluated()
    stopped = engine.chat(messages, GREEDY, cancel=CancelAfterReads(reads_per_prompt * 6 // 10))  # type: ignore[arg-type]
    assert (stopped.stop_reason, stopped.generated_tokens) == ("cancelled", 0)
    assert 0 < stopped.evaluated_prompt_tokens < stopped.prompt_tokens
    # What the engine believes it holds is what llama.cpp's memory holds.
    memory = llama_cpp.llama_get_memory(engine.context_ptr)
    held = len(engine.decoder.held)
    assert held == stopped.evaluated_prompt_tokens == llama_cpp.llama_memory_seq_pos_max(memory, 0) + 1
    with recorded_tokens(engine) as answers:
        again = engine.chat(messages, GREEDY)
    assert again.evaluated_prompt_tokens == again.prompt_tokens - held  # what was evaluated before stays
    reference.llm.reset()
    assert answers[0] == reference.generate(list(engine.prepare_prompt(messages).tokens), GREEDY, len(answers[0]))


def test_emoji_and_cjk_split_across_tokens_stream_intact(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Grüße aus 東京 🙂🎉👩‍💻 — naïve café, 你好，世界！"
    vocabulary = engine.vocabulary
    ids = vocabulary.tokenize(text, add_special=False, parse_special=False)
    split = [t for t in ids if "\ufffd" in vocabulary.detokenize([t])]
    assert len(split) >= 10  # many tokens carry only part of a character

    def generate(*_args: object, **_kwargs: object) -> Iterator[int]:
        yield from ids
        yield vocabulary.eos

    monkeypatch.setattr(engine.decoder, "generate", generate)
    chunks: list[str] = []
    engine.chat([{"role": "user", "content": "Say it."}], SamplingParams(temperature=0, max_tokens=64), chunks.append)
    assert not any("\ufffd" in chunk for chunk in chunks)
    assert "".join(chunks) == text


def test_prompt_lookup_is_token_for_token_plain_decoding(starter_model: Path) -> None:
    # Exact only with flash attention and one generation thread (models.engine.prompt_lookup).
    plain, lookup = (Engine(EngineSettings(flash_attention=True, threads=1, prompt_lookup=on)) for on in (False, True))
    plain.load(starter_model)
    lookup.load(starter_model)
    try:
        assert exact_here(lookup.decoder)
        seeded = SamplingParams(temperature=0.8, seed=7, max_tokens=48)
        for params in (SamplingParams(temperature=0, max_tokens=48), seeded):
            with recorded_tokens(lookup) as drafted:
                stats = lookup.chat(GROUNDED, params)
            assert stats.drafted_tokens > 0 and stats.accepted_tokens > 0
            assert drafted[0] == answer_ids(plain, GROUNDED, params)
    finally:
        plain.unload()
        lookup.unload()


def test_prompt_lookup_stays_off_where_it_would_not_be_exact(engine: Engine) -> None:
    # CPU defaults: no flash attention, so batches and single tokens take different kernels.
    assert not engine.model.flash_attention  # type: ignore[union-attr]
    stats = engine.chat(GROUNDED, SamplingParams(temperature=0, max_tokens=24), quotes_sources=True)
    assert stats.drafted_tokens == 0
    assert not exact_here(engine.decoder)


def test_the_model_and_context_pointers_are_the_loaded_ones(engine: Engine) -> None:
    assert llama_cpp.llama_n_ctx(engine.context_ptr) == engine.model.context_length  # type: ignore[union-attr]
    assert llama_cpp.llama_model_n_params(engine.model_ptr) == engine.vocabulary.n_params
    engine.chat(GROUNDED, SamplingParams(temperature=0, max_tokens=2))
    engine.forget_evaluated()  # e.g. after a LoRA adapter changed what the model computes
    stats = engine.chat(GROUNDED, SamplingParams(temperature=0, max_tokens=2))
    assert stats.evaluated_prompt_tokens == stats.prompt_tokens
