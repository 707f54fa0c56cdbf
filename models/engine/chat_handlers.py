"""Keep llama-cpp-python's own chat-template handling from failing a model load.

`llama_cpp.Llama` compiles every chat template a GGUF carries into a chat handler while it
loads the model, and a template its Jinja cannot parse makes the whole load raise. Hearth
renders prompts itself (models.families.chat_template) and never uses those handlers, so while a model
loads, a template that does not compile gets an empty stand-in handler instead; Hearth then
reports the template's problem in its own words and offers the family's known-good template.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jinja2
from llama_cpp import llama_chat_format


class _TolerantFormatter(llama_chat_format.Jinja2ChatFormatter):
    def __init__(self, template: str, eos_token: str, bos_token: str, *args: Any, **kwargs: Any) -> None:
        try:
            super().__init__(template, eos_token, bos_token, *args, **kwargs)
        except jinja2.TemplateError:
            super().__init__("", eos_token, bos_token, *args, **kwargs)


@contextmanager
def tolerant_chat_handlers() -> Iterator[None]:
    original = llama_chat_format.Jinja2ChatFormatter
    llama_chat_format.Jinja2ChatFormatter = _TolerantFormatter  # type: ignore[misc]
    try:
        yield
    finally:
        llama_chat_format.Jinja2ChatFormatter = original  # type: ignore[misc]
