"""Family detection from GGUF metadata, and the facts the model info shows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from models.families import describe_model, detect_family, family_of, known_template, template_names
from models.files import read_gguf
from tests.fixtures.families import FAMILY_MODELS, FamilyModel, write_family_model
from tests.fixtures.tiny_gguf import CHATML_TEMPLATE
from tests.unit.models.families.cases import ALL, FileFor, model, over


@over(ALL)
def test_the_family_is_detected_from_the_file(model: FamilyModel, family_file: FileFor) -> None:
    family = family_of(read_gguf(family_file(model)))
    assert family is not None and family.key == model.family


@over(ALL)
def test_without_a_template_the_architecture_or_name_still_tells(model: FamilyModel) -> None:
    family = detect_family(model.architecture, model.name, None, model.pre_tokenizer)
    assert family is not None and family.key == model.family


@pytest.mark.parametrize(
    ("architecture", "name", "template", "family"),
    [
        ("llama", "SmolLM2 135M Instruct", CHATML_TEMPLATE, "chatml"),  # the starter model
        ("qwen2", "QwQ 32B", "<|im_start|>{{ '<think>\\n' }}", "qwen3"),  # thinks like Qwen 3
        ("llama", "DeepSeek R1 Distill Llama 8B", known_template("deepseek-r1"), "deepseek-r1"),
        ("deepseek2", "DeepSeek R1", known_template("deepseek-r1"), "deepseek-r1"),  # the full R1 on V3 weights
        ("deepseek2", "DeepSeek V3 0324", None, "deepseek-v3"),
        ("llama", "Llama 3.1 Nemotron Nano 8B", known_template("llama3"), "llama3"),  # speaks Llama 3
        ("llama", "Mistral 7B Instruct v0.3", None, "mistral"),
        ("gemma3", "", None, "gemma"),
        ("llama", "Tiny Llama", None, None),  # nothing to go by: ChatML, stated as a fallback
        ("frobnicator", "", "{{ messages }}", None),
    ],
)
def test_detection_cases(architecture: str, name: str, template: str | None, family: str | None) -> None:
    found = detect_family(architecture, name, template)
    assert (found.key if found else None) == family


def test_every_family_has_a_known_good_template_that_compiles() -> None:
    from models.families import FAMILIES, ChatTemplate

    for family in FAMILIES.values():
        assert family.known_good_template in template_names()
        template = ChatTemplate.known_good(family.known_good_template, known_template(family.known_good_template),
                                           "<s>", "</s>")
        assert template.render([{"role": "user", "content": "Hi"}])


def test_facts_of_a_quantized_dense_model(family_file: FileFor) -> None:
    facts = describe_model(read_gguf(family_file(model("llama3"))))
    assert (facts.family, facts.architecture, facts.quantization) == ("Llama 3", "llama", "Q8_0")
    assert (facts.is_moe, facts.active_parameters, facts.expert_count) == (False, None, 0)
    assert facts.context_length == 2048
    assert facts.template_source == "model"
    assert facts.reasoning == "none" and not facts.thinking_switch


def test_facts_of_a_mixture_of_experts(family_file: FileFor) -> None:
    facts = describe_model(read_gguf(family_file(model("qwen3moe"))))
    assert (facts.family, facts.architecture, facts.quantization) == ("Qwen 3", "qwen3moe", "F32")
    assert (facts.expert_count, facts.experts_used) == (4, 2)
    assert facts.active_parameters is not None and facts.active_parameters < facts.parameter_count
    assert facts.reasoning == "think" and facts.thinking_switch


def test_quantization_falls_back_to_the_dominant_tensor_type(tmp_path: Path) -> None:
    path = write_family_model(tmp_path / "llama3.gguf", model("llama3"))
    info = read_gguf(path)
    info = dataclasses.replace(info, metadata={k: v for k, v in info.metadata.items() if k != "general.file_type"})
    assert describe_model(info).quantization == "Q8_0"


def test_template_source_reports_the_choice(family_file: FileFor, tmp_path: Path) -> None:
    gemma2 = read_gguf(family_file(model("gemma2")))
    assert describe_model(gemma2, template="gemma").template_source == "known-good: gemma"
    bare = write_family_model(tmp_path / "bare.gguf", dataclasses.replace(model("gemma3"), template=""))
    assert describe_model(read_gguf(bare)).template_source == "known-good: gemma"


def test_fixture_registry_covers_every_family_the_issue_names() -> None:
    families = {m.family for m in FAMILY_MODELS}
    assert {"llama3", "llama4", "mistral", "qwen2.5", "qwen3", "deepseek-r1", "deepseek-v3", "gemma", "gpt-oss",
            "nemotron"} <= families
    assert {m.key for m in FAMILY_MODELS if m.moe} >= {"mixtral", "qwen3moe", "deepseek-v3", "gpt-oss"}
