"""Rendering conversations through a model's own chat template, in a sandbox."""

from __future__ import annotations

import logging

import pytest

from models.errors import TemplateError
from models.families import FALLBACK_TEMPLATE, ChatTemplate

CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi <there> & you"},
]


def test_renders_the_models_template() -> None:
    template = ChatTemplate.for_model(
        "{{ bos_token }}{% for m in messages %}[{{ m['role'] }}]{{ m['content'] }}{% endfor %}"
        "{% if add_generation_prompt %}[assistant]{% endif %}",
        bos_token="<s>",
        eos_token="</s>",
    )
    assert template.source == "model"
    assert template.render(CONVERSATION) == "<s>[system]Be brief.[user]Hi <there> & you[assistant]"
    assert template.render(CONVERSATION, add_generation_prompt=False).endswith("you")


def test_missing_template_falls_back_to_chatml_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        template = ChatTemplate.for_model(None, "", "")
    assert template.source == "fallback"
    assert template.text == FALLBACK_TEMPLATE
    assert "no chat template" in caplog.text
    assert template.render(CONVERSATION) == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi <there> & you<|im_end|>\n<|im_start|>assistant\n"
    )
    assert "<|im_end|>" in template.stop_strings


def test_tojson_does_not_html_escape() -> None:
    template = ChatTemplate.for_model("{{ messages[1]['content'] | tojson }}", "", "")
    assert template.render(CONVERSATION) == '"Hi <there> & you"'


def test_raise_exception_becomes_a_clear_error() -> None:
    template = ChatTemplate.for_model(
        "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}", "", ""
    )
    with pytest.raises(TemplateError, match="System role not supported"):
        template.render(CONVERSATION)


def test_template_cannot_escape_the_sandbox() -> None:
    template = ChatTemplate.for_model("{{ ''.__class__.__mro__[1].__subclasses__() }}", "", "")
    with pytest.raises(TemplateError):
        template.render(CONVERSATION)


def test_broken_template_syntax() -> None:
    with pytest.raises(TemplateError, match="does not compile"):
        ChatTemplate.for_model("{% for m in messages %}", "", "")
