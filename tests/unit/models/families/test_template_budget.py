"""A chat template is code from a model file: whatever it asks for, rendering ends quickly with one
clear TemplateError (never a 10 GB allocation, an endless loop, or another exception type)."""

from __future__ import annotations

import time

import pytest

from models.errors import TemplateError
from models.families import ChatTemplate, template_sandbox

HI = [{"role": "user", "content": "hi"}]
HOSTILE = {
    "a 10 GB format width": ("{{ '{0:>10000000000}'.format('x') }}", "format width"),
    "a width taken from the arguments": ("{{ '{:{}}'.format('x', 10000000000) }}", "format width"),
    "a % width": ("{{ '%10000000000s' % 'x' }}", "format width"),
    "the format filter": ("{{ '%10000000000s' | format('x') }}", "format width"),
    "ljust": ("{{ 'x'.ljust(10000000000) }}", "str.ljust"),
    "center": ("{{ 'x' | center(10000000000) }}", "center filter"),
    "a repeated string": ("{{ 'x' * 10000000000 }}", "repeated string"),
    "a huge power": ("{{ 2 ** 10000000000 }}", "power"),
    "doubling with ~": ("{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
                        "{% endfor %}{{ ns.s }}", "joined string"),
    "doubling with +": ("{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}"
                        "{% endfor %}{{ ns.s }}", "joined string"),
    "text piled up in a set block": ("{% set x %}{% for i in range(100000) %}{% for j in range(100) %}"
                                     "{{ '-' * 60 }}{% endfor %}{% endfor %}{% endset %}{{ x }}", "grew past"),
    "indent": ("{{ ('a\\n' * 100000) | indent(1000) }}", "indent filter"),
    "replace": ("{{ ('a' * 1000000) | replace('a', 'a' * 1000) }}", "replace filter"),
    "join": ("{% set l = ['x' * 8000000] * 8000000 %}{{ l | join }}", "join filter"),
    "tojson": ("{{ messages | tojson(indent=100000000) }}", "tojson filter"),
    # Stopped by whichever budget runs out first: steps on a fast machine, seconds on a slow one.
    "nested range loops": ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}x",
                           "rendering took "),
    "lipsum(10**7)": ("{{ lipsum(10**7) }}", "'lipsum' is undefined"),
    "division by zero": ("{{ 1 / 0 }}", "ZeroDivisionError"),
    "overflow": ("{{ 10.0 ** 400 }}", "OverflowError"),
    "endless recursion": ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "RecursionError"),
    "an empty prompt": ("{% if false %}x{% endif %}", "renders an empty prompt"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_template_is_stopped_with_a_reason(name: str) -> None:
    text, reason = HOSTILE[name]
    template = ChatTemplate("model", text)
    started = time.monotonic()
    with pytest.raises(TemplateError) as stopped:
        template.render(HI)
    assert reason in str(stopped.value)
    assert time.monotonic() - started < template_sandbox.RENDER_SECONDS + 5


def test_a_template_stopped_once_is_not_given_its_seconds_again() -> None:
    template = ChatTemplate("model", HOSTILE["nested range loops"][0])
    with pytest.raises(TemplateError):
        template.render(HI)
    started = time.monotonic()
    with pytest.raises(TemplateError, match="rendering took "):
        template.render(HI)
    assert time.monotonic() - started < 0.5


def test_the_budget_leaves_ordinary_templates_alone() -> None:
    long_conversation = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i} " * 50}
                         for i in range(2001)]
    template = ChatTemplate(
        "model",
        "{% for m in messages %}{{ '<|' ~ m.role ~ '|>' }}{{ m.content | trim }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}",
    )
    text = template.render(long_conversation)
    assert text.count("<|user|>") == 1001 and text.endswith("<|assistant|>")
