"""Hearth adapts a conversation to a template that cannot take it, each adaptation shown with
the failure it fixes; a template that still fails is a clear error with a way out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from models.engine import Engine, SamplingParams
from models.errors import TemplateError
from models.families import (
    FOLDED_SYSTEM,
    MERGED_TURNS,
    RESCUED_SYSTEM,
    ChatTemplate,
    fold_system,
    get_family,
    merge_consecutive,
    render_adapted,
)
from tests.fixtures.families import GEMMA2_TEMPLATE, MISTRAL_V02_TEMPLATE, write_family_model
from tests.unit.models.families.cases import FileFor, model

GEMMA2 = ChatTemplate.for_model(GEMMA2_TEMPLATE, "<bos>", "<eos>")
MISTRAL = ChatTemplate.for_model(MISTRAL_V02_TEMPLATE, "<s>", "</s>")
SYSTEM_FIRST = [{"role": "system", "content": "Answer in French."}, {"role": "user", "content": "Hello"}]
TWO_USERS = [{"role": "user", "content": "Hello"}, {"role": "user", "content": "Are you there?"}]


def test_fold_system_into_the_next_user_message() -> None:
    folded = fold_system([*SYSTEM_FIRST, {"role": "assistant", "content": "Bonjour"},
                          {"role": "system", "content": "Now in German."}, {"role": "user", "content": "Again"}])
    assert folded == [
        {"role": "user", "content": "Answer in French.\n\nHello"},
        {"role": "assistant", "content": "Bonjour"},
        {"role": "user", "content": "Now in German.\n\nAgain"},
    ]
    assert fold_system([{"role": "system", "content": "Only this."}]) == [{"role": "user", "content": "Only this."}]


def test_merge_consecutive_messages_of_one_role() -> None:
    answers = [{"role": "assistant", "content": "Yes"}, {"role": "assistant", "content": "!"}]
    assert merge_consecutive([*TWO_USERS, *answers]) == [
        {"role": "user", "content": "Hello\n\nAre you there?"},
        {"role": "assistant", "content": "Yes\n\n!"},
    ]


def test_a_system_prompt_breaks_gemma_2_and_is_folded() -> None:
    with pytest.raises(TemplateError, match="System role not supported"):
        GEMMA2.render(SYSTEM_FIRST)
    rendered = render_adapted(GEMMA2, SYSTEM_FIRST, model_name="gemma-2-2b-it")
    assert rendered.adaptations == (FOLDED_SYSTEM,)
    assert rendered.text == "<bos><start_of_turn>user\nAnswer in French.\n\nHello<end_of_turn>\n<start_of_turn>model\n"


def test_two_user_messages_break_mistral_and_are_merged() -> None:
    with pytest.raises(TemplateError, match="Conversation roles must alternate"):
        MISTRAL.render(TWO_USERS)
    rendered = render_adapted(MISTRAL, TWO_USERS, model_name="mistral-7b-instruct-v0.2")
    assert rendered.adaptations == (MERGED_TURNS,)
    assert rendered.text == "<s>[INST] Hello\n\nAre you there? [/INST]"


def test_both_failures_at_once_take_both_adaptations() -> None:
    conversation = [SYSTEM_FIRST[0], *TWO_USERS]
    with pytest.raises(TemplateError):
        MISTRAL.render(conversation)
    rendered = render_adapted(MISTRAL, conversation, model_name="mistral")
    assert rendered.adaptations == (FOLDED_SYSTEM, MERGED_TURNS)
    assert rendered.text == "<s>[INST] Answer in French.\n\nHello\n\nAre you there? [/INST]"


def test_a_template_that_takes_the_conversation_renders_it_untouched() -> None:
    template = ChatTemplate.for_model(
        "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}", "", ""
    )
    rendered = render_adapted(template, [SYSTEM_FIRST[0], *TWO_USERS], model_name="any")
    assert rendered.adaptations == ()
    assert rendered.text == "<system>Answer in French.<user>Hello<user>Are you there?"


def test_a_system_prompt_dropped_silently_is_folded_in() -> None:
    """No exception, but the model would never see its instructions: the worse failure."""
    template = ChatTemplate.for_model(
        "{% for m in messages if m['role'] != 'system' %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}", "", ""
    )
    rendered = render_adapted(template, SYSTEM_FIRST, model_name="any")
    assert rendered.adaptations == (RESCUED_SYSTEM,)
    assert rendered.text == "[user] Answer in French.\n\nHello\n"


BROKEN = "{{ raise_exception('This template is broken beyond repair') }}"


def test_a_template_that_still_raises_names_the_model_its_error_and_the_way_out() -> None:
    with pytest.raises(TemplateError) as caught:
        render_adapted(ChatTemplate.for_model(BROKEN, "", ""), SYSTEM_FIRST, model_name="Gemma 2 2b It",
                       family=get_family("gemma"))
    message = str(caught.value)
    assert "Gemma 2 2b It" in message
    assert "This template is broken beyond repair" in message
    assert "known-good Gemma template ('gemma')" in message


def test_choosing_the_known_good_template_fixes_a_broken_model(tmp_path: Path) -> None:
    broken = dataclasses.replace(model("gemma2"), template=BROKEN)
    engine = Engine()
    info = engine.load(write_family_model(tmp_path / "broken-gemma.gguf", broken))
    with pytest.raises(TemplateError, match=r"broken-gemma.*known-good Gemma template"):
        engine.chat(SYSTEM_FIRST, SamplingParams(max_tokens=2))
    info = engine.set_template("gemma")
    assert info.template_source == "known-good: gemma"
    assert info.facts is not None and info.facts.template_source == "known-good: gemma"
    assert engine.render(SYSTEM_FIRST) == (
        "<bos><start_of_turn>user\nAnswer in French.\n\nHello<end_of_turn>\n<start_of_turn>model\n"
    )
    assert engine.chat(SYSTEM_FIRST, SamplingParams(max_tokens=3)).generated_tokens == 3
    assert engine.set_template(None).template_source == "model"


def test_a_known_good_template_can_be_chosen_at_load(family_file: FileFor) -> None:
    engine = Engine()
    info = engine.load(family_file(model("mistral")), template="mistral")
    assert info.template_source == "known-good: mistral"
    # Mistral's official v1 template takes the system prompt into the first [INST] itself.
    assert engine.render_details(SYSTEM_FIRST).adaptations == ()
    assert engine.render(SYSTEM_FIRST) == "<s> [INST] Answer in French.\n\nHello [/INST]"


def test_an_unknown_known_good_template_is_refused_and_the_model_stays(tiny_engine: Engine) -> None:
    with pytest.raises(TemplateError, match=r"no known-good template named 'frobnicate'.*gemma"):
        tiny_engine.set_template("frobnicate")
    assert tiny_engine.model is not None and tiny_engine.model.template_source == "model"


def test_a_model_without_a_template_of_a_known_family_gets_the_familys_template(tmp_path: Path) -> None:
    nameless = dataclasses.replace(model("gemma3"), template="")
    engine = Engine()
    info = engine.load(write_family_model(tmp_path / "gemma3-no-template.gguf", nameless))
    assert info.template_source == "known-good: gemma"
    assert engine.render(SYSTEM_FIRST).startswith("<bos><start_of_turn>user\nAnswer in French.")


def test_a_template_that_does_not_compile_names_the_way_out(tmp_path: Path) -> None:
    broken = dataclasses.replace(model("gemma3"), template="{% for m in messages %}{{ m['content'] }")
    path = write_family_model(tmp_path / "typo-gemma.gguf", broken)
    engine = Engine()
    with pytest.raises(TemplateError, match=r"typo-gemma does not compile .*known-good Gemma template"):
        engine.load(path)
    assert engine.model is None
    assert engine.load(path, template="gemma").template_source == "known-good: gemma"
