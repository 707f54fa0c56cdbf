"""Every family's tiny model loads through the engine, is recognized, and generates tokens."""

from __future__ import annotations

import gguf
import pytest

from models.engine import SamplingParams
from models.families import get_family
from tests.fixtures.families import FamilyModel
from tests.fixtures.llama_reference import LlamaReference, recorded_tokens
from tests.unit.models.families.cases import ALL, MOE, EngineFor, FileFor, model, over
from tests.unit.models.families.scripted import script

HELLO = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]


@pytest.mark.compat("loads")
@over(ALL)
def test_loads_and_generates(model: FamilyModel, family_engine: EngineFor) -> None:
    engine = family_engine(model)
    info = engine.model
    assert info is not None and info.facts is not None
    assert info.architecture == model.architecture
    assert info.template_source == "model"
    assert info.facts.family == get_family(model.family).display_name
    pieces: list[str] = []
    stats = engine.chat(HELLO, SamplingParams(temperature=0.8, seed=1, max_tokens=6), pieces.append)
    assert (stats.stop_reason, stats.generated_tokens) == ("length", 6)
    assert "".join(pieces)
    assert stats.prompt_tokens == len(engine.prepare_prompt(HELLO, 6).tokens)


@over(ALL)
def test_parameter_count_agrees_with_llama_cpp(model: FamilyModel, family_engine: EngineFor) -> None:
    engine = family_engine(model)
    assert engine.model is not None and engine.model.facts is not None
    assert engine.model.facts.parameter_count == engine.vocabulary.n_params


@pytest.mark.compat("moe")
@over(MOE)
def test_mixture_of_experts_reports_active_parameters(
    model: FamilyModel, family_engine: EngineFor, family_file: FileFor
) -> None:
    facts = family_engine(model).model.facts  # type: ignore[union-attr]
    assert facts is not None and facts.is_moe
    assert (facts.expert_count, facts.experts_used) == (model.dims.n_expert, model.dims.n_expert_used)
    # Counted again with the gguf package's own reader: the router and shared experts are
    # always active, each routed expert tensor only for experts_used of expert_count experts.
    reader = gguf.GGUFReader(family_file(model))
    routed = sum(int(t.n_elements) for t in reader.tensors if "_exps." in t.name)
    total = sum(int(t.n_elements) for t in reader.tensors)
    assert any(t.name.endswith("ffn_gate_inp.weight") for t in reader.tensors)
    assert routed > 0
    assert facts.parameter_count == total
    assert facts.active_parameters == total - routed + routed * model.dims.n_expert_used // model.dims.n_expert
    assert facts.active_parameters < facts.parameter_count


@over(ALL)
def test_special_tokens_are_single_control_pieces(model: FamilyModel, family_engine: EngineFor) -> None:
    """The family's turn markers tokenize as one token each, never spelled out byte by byte."""
    vocabulary = family_engine(model).vocabulary
    for token in model.vocab.special_ids():
        text = model.vocab.tokens[token]
        assert vocabulary.tokenize(text, add_special=False, parse_special=True) == [token], text


def test_nemotron_stops_at_the_next_turn_marker(family_engine: EngineFor, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nemotron ends its turn with the next turn's <extra_id_1>, which llama.cpp does not treat as
    end of generation; without the family's stop token it would write the user's next turn too."""
    engine = family_engine(model("nemotron"))
    script(engine, monkeypatch, "Ahoy.\n<extra_id_1>User\nA question I invented")
    pieces: list[str] = []
    stats = engine.chat(HELLO, SamplingParams(), pieces.append)
    # (SentencePiece spells the first word "▁Ahoy": the leading space is the model's own.)
    assert ("".join(pieces).lstrip(), stats.stop_reason) == ("Ahoy.\n", "stop")


@over(ALL)
def test_answers_are_token_for_token_those_of_llama_generate(model: FamilyModel, family_engine: EngineFor) -> None:
    """The engine's own decode loop against llama-cpp-python's `Llama.generate` (the previous
    engine) on the same file and settings: greedy, and sampled with a fixed seed."""
    engine = family_engine(model)
    reference = LlamaReference(engine)
    try:
        seeded = SamplingParams(temperature=0.9, seed=5, max_tokens=12)
        for params in (SamplingParams(temperature=0, max_tokens=12), seeded):
            engine.forget_evaluated()
            reference.llm.reset()
            with recorded_tokens(engine) as answers:
                engine.chat(HELLO, params)
            ours = answers[0]
            assert ours == reference.generate(list(engine.prepare_prompt(HELLO, 12).tokens), params, len(ours))
    finally:
        reference.close()
