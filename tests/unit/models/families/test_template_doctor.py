"""The template doctor: problems found by rendering a test conversation, and the exact prompt
with its special tokens marked."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from models.engine import (
    Engine,
    Finding,
    Segment,
    annotate_prompt,
    check_loaded,
    check_model_file,
    check_template,
    inspect_prompt,
)
from models.families import ChatTemplate, get_family
from tests.fixtures.families import FamilyModel, write_family_model
from tests.unit.models.families.cases import ALL, EngineFor, FileFor, model, over

TWO_TURNS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


def messages_of(findings: tuple[Finding, ...], severity: str) -> list[str]:
    return [f.message for f in findings if f.severity == severity]


@over(ALL)
def test_every_familys_own_template_is_healthy(model: FamilyModel, family_engine: EngineFor) -> None:
    report = check_loaded(family_engine(model))
    assert report.ok, report.findings
    assert messages_of(report.findings, "warning") == []
    assert report.family == get_family(model.family).display_name
    assert report.rendered.endswith(model.answer_cue)


@over(ALL)
def test_annotated_prompt_marks_the_special_tokens(model: FamilyModel, family_engine: EngineFor) -> None:
    engine = family_engine(model)
    view = inspect_prompt(engine, TWO_TURNS)
    assert "".join(s.text for s in view.segments) == view.text
    specials = [s.text for s in view.segments if s.special]
    assert specials and set(specials) <= set(model.vocab.tokens)
    assert all(not s.special or s.text in model.vocab.tokens for s in view.segments)
    assert view.dropped_messages == 0


def test_the_prompt_view_lists_the_adaptations(family_engine: EngineFor) -> None:
    view = inspect_prompt(family_engine(model("gemma2")), TWO_TURNS)
    assert [s.text for s in view.segments][:3] == ["<bos>", "<start_of_turn>", "user\nBe brief.\n\nHi"]
    assert len(view.adaptations) == 1 and "folded" in view.adaptations[0]


def test_a_missing_template_is_reported(make_tiny_model: Callable[..., Path]) -> None:
    engine = Engine()
    engine.load(make_tiny_model(chat_template=None))
    report = check_loaded(engine)
    assert report.template_source == "fallback"
    assert any("no chat template" in m and "ChatML" in m for m in messages_of(report.findings, "warning"))


def test_a_template_that_raises_is_an_error_naming_the_model() -> None:
    template = ChatTemplate.for_model("{{ raise_exception('Tools are required') }}", "", "")
    report = check_template(template, "Frobnicator 7B", get_family("llama3"))
    assert not report.ok
    (error,) = messages_of(report.findings, "error")
    assert "Frobnicator 7B" in error and "Tools are required" in error and "known-good Llama 3 template" in error


def test_a_template_without_a_generation_prompt_is_reported() -> None:
    template = ChatTemplate.for_model(
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}", "", ""
    )
    report = check_template(template, "No-Prompt 1B")
    assert any("no generation prompt" in m for m in messages_of(report.findings, "warning"))


def test_a_dropped_system_prompt_is_reported_and_rescued() -> None:
    template = ChatTemplate.for_model(
        "{% for m in messages if m['role'] != 'system' %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
        "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}", "", ""
    )
    report = check_template(template, "Forgetful 3B")
    assert report.ok
    assert any("dropped it silently" in m for m in messages_of(report.findings, "note"))
    assert "Hearth's test assistant" in report.rendered


def test_rejected_system_role_and_alternation_are_noted(family_engine: EngineFor) -> None:
    report = check_loaded(family_engine(model("mistral")))
    notes = " ".join(messages_of(report.findings, "note"))
    assert "folded into the first user message" in notes and "alternating" in notes
    assert report.ok


def test_turn_markers_the_model_does_not_know_are_reported(tmp_path: Path) -> None:
    """ChatML on a Gemma vocabulary: the classic source of gibberish after an import."""
    mismatched = dataclasses.replace(model("gemma3"), template=model("qwen2.5").template)
    report = check_model_file(write_family_model(tmp_path / "gemma-with-chatml.gguf", mismatched))
    (warning,) = messages_of(report.findings, "warning")
    assert "<|im_end|>" in warning and "<|im_start|>" in warning and "plain text" in warning


def test_import_time_check_reads_only_the_file(family_file: FileFor) -> None:
    report = check_model_file(family_file(model("gpt-oss")))
    assert report.ok and report.family == "GPT-OSS" and report.template_source == "model"
    assert report.rendered.endswith("<|start|>assistant")
    chosen = check_model_file(family_file(model("gemma2")), template="gemma")
    assert chosen.template_source == "known-good: gemma"
    assert not [f for f in chosen.findings if f.severity != "note"]


def test_a_known_good_template_in_use_is_noted(family_engine: EngineFor) -> None:
    engine = family_engine(model("gemma2"))
    engine.set_template("gemma")
    try:
        report = check_loaded(engine)
    finally:
        engine.set_template(None)
    assert any("known-good gemma template" in m for m in messages_of(report.findings, "note"))


def test_annotation_of_plain_text_is_one_segment(tiny_engine: Engine) -> None:
    assert annotate_prompt(tiny_engine, "no markers at all") == [Segment("no markers at all", False)]


@pytest.mark.parametrize(
    ("text", "specials"),
    [
        ("<|im_start|>user\nHi<|im_end|>\n", ["<|im_start|>", "<|im_end|>"]),
        ("Hi<|im_end|>", ["<|im_end|>"]),
        ("<|im_start|><|im_end|>", ["<|im_start|>", "<|im_end|>"]),
        ("<|im_start |>", []),
    ],
)
def test_annotation_round_trips(tiny_engine: Engine, text: str, specials: list[str]) -> None:
    segments = annotate_prompt(tiny_engine, text)
    assert "".join(s.text for s in segments) == text
    assert [s.text for s in segments if s.special] == specials
