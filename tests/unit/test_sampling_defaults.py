from models.engine import SamplingParams
from models.families import FAMILIES, RECOMMENDED, recommended_sampling


def test_every_recommendation_is_for_a_known_family_and_a_real_setting() -> None:
    fields = set(SamplingParams.__dataclass_fields__)
    for family, settings in RECOMMENDED.items():
        assert family in FAMILIES
        assert set(settings) <= fields


def test_unknown_family_gets_nothing_and_callers_cannot_edit_the_table() -> None:
    assert recommended_sampling(None) == {}
    recommended_sampling("qwen3")["temperature"] = 9
    assert RECOMMENDED["qwen3"]["temperature"] == 0.6
