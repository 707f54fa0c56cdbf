"""LoRA adapters on a tiny random model, through the real llama.cpp: scale 0 is the base model
token for token, scale 1 changes the answer, switching keeps the model loaded, mismatches are refused."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from models.engine import AdapterChoice, Engine, GenerationStats, SamplingParams, adapter_choices
from models.errors import AdapterMismatchError, HearthModelError
from tests.fixtures.tiny_gguf import TinyAdapterSpec, TinyModelSpec, write_tiny_adapter, write_tiny_model

GREEDY = SamplingParams(temperature=0.0, max_tokens=16, seed=1)
QUESTION = [{"role": "user", "content": "Tell me about owls"}]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lora")
    return {
        "model": write_tiny_model(folder / "tiny.gguf"),
        "a": write_tiny_adapter(folder / "a.gguf", adapter=TinyAdapterSpec(seed=1)),
        "b": write_tiny_adapter(folder / "b.gguf", adapter=TinyAdapterSpec(seed=2, targets=("attn_k", "ffn_gate"))),
        "wide": write_tiny_adapter(folder / "wide.gguf", base=TinyModelSpec(n_embd=128, n_ff=256)),
    }


@pytest.fixture
def engine(files: dict[str, Path]) -> Iterator[Engine]:
    loaded = Engine()
    loaded.load(files["model"])
    yield loaded
    loaded.unload()


def answer(engine: Engine, adapters: Sequence[AdapterChoice] = ()) -> tuple[list[int], GenerationStats]:
    """The tokens the model produced (what its context holds after the prompt), and the stats."""
    stats = engine.chat(QUESTION, GREEDY, adapters=adapters)
    llm = engine.llama
    return [int(t) for t in llm.input_ids[stats.prompt_tokens : llm.n_tokens]], stats


def test_scale_zero_is_the_base_model_token_for_token(engine: Engine, files: dict[str, Path]) -> None:
    base, stats = answer(engine)
    assert stats.generated_tokens == 16 and len(base) >= 15
    zero, _ = answer(engine, [AdapterChoice(files["a"], 0.0)])
    assert zero == base


def test_scale_one_changes_the_answer(engine: Engine, files: dict[str, Path]) -> None:
    base, _ = answer(engine)
    adapted, _ = answer(engine, [AdapterChoice(files["a"], 1.0)])
    assert adapted != base
    assert answer(engine, [AdapterChoice(files["a"], 1.0)])[0] == adapted  # deterministic
    assert answer(engine)[0] == base  # and gone again when it is not chosen


def test_several_adapters_at_once(engine: Engine, files: dict[str, Path]) -> None:
    only_a, _ = answer(engine, [AdapterChoice(files["a"], 1.0)])
    only_b, _ = answer(engine, [AdapterChoice(files["b"], 1.0)])
    both, _ = answer(engine, [AdapterChoice(files["a"], 1.0), AdapterChoice(files["b"], 1.0)])
    assert len({tuple(only_a), tuple(only_b), tuple(both)}) == 3


def test_switching_adapters_keeps_the_model_loaded(engine: Engine, files: dict[str, Path]) -> None:
    llm, model = engine.llama, engine.model
    answer(engine, [AdapterChoice(files["a"], 1.0)])
    answer(engine, [AdapterChoice(files["b"], 0.5)])
    answer(engine, [AdapterChoice(files["a"], 1.5)])
    answer(engine)
    assert engine.llama is llm and engine.model is model  # never reloaded
    assert engine.adapters is not None and engine.adapters.files_loaded == 2  # each file read once


def test_a_prompt_evaluated_with_other_adapters_is_not_reused(engine: Engine, files: dict[str, Path]) -> None:
    _, first = answer(engine)
    _, same = answer(engine)
    assert same.evaluated_prompt_tokens < same.prompt_tokens  # the prefix was reused
    _, switched = answer(engine, [AdapterChoice(files["a"], 1.0)])
    assert switched.evaluated_prompt_tokens == switched.prompt_tokens == first.prompt_tokens
    _, back = answer(engine)
    assert back.evaluated_prompt_tokens == back.prompt_tokens  # nor the other way round


def test_a_mismatched_adapter_is_refused_and_the_engine_goes_on(engine: Engine, files: dict[str, Path]) -> None:
    adapted, _ = answer(engine, [AdapterChoice(files["a"], 1.0)])
    with pytest.raises(AdapterMismatchError, match=r"does not fit Tiny Llama: 'blk\.0\.attn_q\.weight' is 64×64"):
        answer(engine, [AdapterChoice(files["wide"], 1.0)])
    assert engine.adapters is not None and engine.adapters.active_paths == [files["a"].resolve()]
    assert answer(engine, [AdapterChoice(files["a"], 1.0)])[0] == adapted


def test_a_missing_adapter_file_is_one_sentence(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(HearthModelError, match=r"Cannot use adapter gone\.gguf: the file does not exist"):
        answer(engine, [AdapterChoice(tmp_path / "gone.gguf", 1.0)])


def test_scales_outside_zero_to_two_are_refused() -> None:
    with pytest.raises(HearthModelError, match="from 0 to 2"):
        AdapterChoice(Path("a.gguf"), 2.5)
    with pytest.raises(HearthModelError, match="from 0 to 2"):
        AdapterChoice(Path("a.gguf"), float("nan"))


def test_adapter_choices_from_settings_skip_what_is_not_one() -> None:
    settings = {"adapters": [{"path": "/a.gguf", "scale": 0.5, "name": "a"}, {"path": "/b.gguf"},
                             {"path": ""}, "junk", {"path": "/c.gguf", "scale": 9}, {"path": "/d.gguf", "scale": "x"}]}
    assert adapter_choices(settings) == (AdapterChoice(Path("/a.gguf"), 0.5), AdapterChoice(Path("/b.gguf"), 1.0),
                                         AdapterChoice(Path("/c.gguf"), 2.0))
    assert adapter_choices({"adapters": "nope"}) == () == adapter_choices({})
