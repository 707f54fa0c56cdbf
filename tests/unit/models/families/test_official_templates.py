"""Hearth's known-good templates render what the official ones render.

The expected strings are worked out by hand from the official templates, which these tests do not
carry:
- DeepSeek V3.1: the chat_template of deepseek-ai/DeepSeek-V3.1's tokenizer_config.json (quoted whole
  in ik_llama.cpp issue #804). Thinking off, every assistant turn opens `<｜Assistant｜></think>`,
  in the generation prompt and in the history; an earlier answer keeps what followed its
  `</think>` (`content.split('</think>', 1)[1]`).
- DeepSeek-R1: deepseek-ai/DeepSeek-R1's template keeps `content.split('</think>')[-1]` as well.
- Mistral v0.3 (tokenizer v3): mistralai/cookbook, concept-deep-dive/tokenization/templates.md,
  `<s>[INST] Hello, how are you?[/INST] Fine, and you?</s>[INST] I'm doing great![/INST]`, with the
  system prompt in front of the last user message (Mistral-7B-Instruct-v0.3's tokenizer_config).
"""

from __future__ import annotations

import pytest

from models.families import ChatTemplate, get_family, known_template, strip_reasoning
from models.families.known_templates import choose_template
from tests.fixtures.families import FamilyModel
from tests.unit.models.families.cases import EngineFor, model

BOS, EOS = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
HISTORY = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "<think>\nA greeting.\n</think>\n\nHello!"},
    {"role": "user", "content": "Why is the sky blue?"},
]


def deepseek_v3() -> ChatTemplate:
    return ChatTemplate.known_good("deepseek-v3", known_template("deepseek-v3"), BOS, EOS)


def test_deepseek_v3_without_thinking_renders_the_official_prompt() -> None:
    expected = (f"{BOS}Be brief.<｜User｜>Hi<｜Assistant｜></think>\n\nHello!{EOS}"
                "<｜User｜>Why is the sky blue?<｜Assistant｜></think>")
    assert deepseek_v3().render(HISTORY) == expected
    assert deepseek_v3().render(HISTORY, enable_thinking=False) == expected


def test_deepseek_v3_with_thinking_opens_the_block_only_for_the_new_answer() -> None:
    assert deepseek_v3().render(HISTORY, enable_thinking=True) == (
        f"{BOS}Be brief.<｜User｜>Hi<｜Assistant｜></think>\n\nHello!{EOS}"
        "<｜User｜>Why is the sky blue?<｜Assistant｜><think>"
    )


def test_the_official_v31_variable_thinking_is_set_too() -> None:
    # A GGUF carrying DeepSeek's own template reads `thinking`, not `enable_thinking`.
    own = ChatTemplate("model", "{% if thinking is defined and thinking %}<think>{% else %}</think>{% endif %}")
    assert own.supports_thinking_switch
    assert own.render(HISTORY, enable_thinking=True) == "<think>"
    assert own.render(HISTORY) == "</think>"


def test_mistral_v3_renders_without_spaces_around_the_control_tokens() -> None:
    template = ChatTemplate.known_good("mistral-v3", known_template("mistral-v3"), "<s>", "</s>")
    conversation = [
        {"role": "user", "content": "Hello, how are you?"},
        {"role": "assistant", "content": "Fine, and you?"},
        {"role": "user", "content": "I'm doing great!"},
    ]
    assert template.render(conversation) == (
        "<s>[INST] Hello, how are you?[/INST] Fine, and you?</s>[INST] I'm doing great![/INST]"
    )
    assert template.render([{"role": "user", "content": "Hello"}]) == "<s>[INST] Hello[/INST]"
    with_system = [{"role": "system", "content": "Be brief."}, *conversation]
    assert template.render(with_system) == (
        "<s>[INST] Hello, how are you?[/INST] Fine, and you?</s>[INST] Be brief.\n\nI'm doing great![/INST]"
    )


def test_the_mistral_variant_follows_the_tokenizer() -> None:
    mistral = get_family("mistral")
    assert choose_template(None, mistral, vocabulary_size=32000).source == "known-good: mistral"  # v0.1, v0.2
    assert choose_template(None, mistral, vocabulary_size=32768).source == "known-good: mistral-v3"  # v0.3
    v1 = ChatTemplate.known_good("mistral", known_template("mistral"), "<s>", "</s>")
    assert v1.render([{"role": "user", "content": "Hello"}]) == "<s> [INST] Hello [/INST]"


def test_stripping_reasoning_keeps_what_followed_it() -> None:
    assert strip_reasoning("<think>\nA greeting.\n</think>\n\nHello!") == "\n\nHello!"
    assert strip_reasoning("A greeting.</think>\n\nHello!") == "\n\nHello!"  # the prompt opened <think>
    assert strip_reasoning("<think>still thinking") == ""
    assert strip_reasoning("Plain answer.") == "Plain answer."


@pytest.mark.parametrize(("key", "answer_turn"), [
    ("deepseek-r1-distill", "<｜Assistant｜>\n\nHello!<｜end▁of▁sentence｜>"),  # R1 keeps the blank line
    ("deepseek-v3", "<｜Assistant｜></think>\n\nHello!<｜end▁of▁sentence｜>"),  # so does V3.1
    ("qwen3", "<|im_start|>assistant\nHello!<|im_end|>"),  # Qwen 3's template strips it
])
def test_the_engine_sends_the_history_as_the_official_template_would(
    family_engine: EngineFor, key: str, answer_turn: str
) -> None:
    fixture: FamilyModel = model(key)
    engine = family_engine(fixture)
    assert answer_turn in engine.render(HISTORY)
