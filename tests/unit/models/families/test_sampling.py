from models.engine import SamplingParams
from models.families import DEFAULT_MAX_TOKENS, FAMILIES, RECOMMENDED, recommended_sampling


def test_every_recommendation_is_for_a_known_family_and_a_real_setting() -> None:
    fields = set(SamplingParams.__dataclass_fields__)
    for family, settings in RECOMMENDED.items():
        assert family in FAMILIES
        assert set(settings) <= fields


def test_unknown_family_gets_nothing_and_callers_cannot_edit_the_table() -> None:
    assert recommended_sampling(None) == {}
    recommended_sampling("qwen3")["temperature"] = 9
    assert RECOMMENDED["qwen3"]["temperature"] == 0.6


def test_one_rule_for_every_entry_point_defaults_then_family_then_the_users_settings() -> None:
    from models.families import SamplingParams, sampling_for

    assert sampling_for(None) == SamplingParams(max_tokens=DEFAULT_MAX_TOKENS)
    gemma = sampling_for("gemma")
    assert (gemma.temperature, gemma.top_k, gemma.min_p) == (1.0, 64, 0.0)
    mine = sampling_for("gemma", {"temperature": 0.2, "max_tokens": 0, "seed": -1, "top_k": None, "colour": "red"})
    assert (mine.temperature, mine.top_k, mine.max_tokens, mine.seed) == (0.2, 64, None, None)
    assert sampling_for("qwen3", {"seed": 7, "max_tokens": 32}).seed == 7


def test_defaults_keep_small_models_from_looping_and_answers_from_running_forever() -> None:
    from models.families import DEFAULT_SETTINGS, sampling_for

    plain = sampling_for(None)
    assert plain.repeat_penalty == DEFAULT_SETTINGS["repeat_penalty"] == 1.1
    assert plain.max_tokens == DEFAULT_SETTINGS["max_tokens"] == DEFAULT_MAX_TOKENS
    assert sampling_for(None, {"max_tokens": 0}).max_tokens is None  # the user lifts the cap
    assert sampling_for("qwen3").max_tokens == 32768  # room to think
    assert sampling_for("gemma").repeat_penalty == 1.0  # the family's own recommendation
