"""Template doctor: show the exact prompt a conversation renders to, and say what is wrong with
a model's chat template before a user meets it as gibberish.

- `check_template` renders a short test conversation (system, user, assistant, user) and reports
  problems as plain sentences: no template (ChatML guessed), a template that raises (and whether
  Hearth's adaptations rescue it), no generation prompt, a system prompt or message dropped,
  turn markers that are plain text to the model rather than its special tokens.
- `check_model_file` does that at import, from the file alone (a vocabulary-only llama.cpp load:
  milliseconds, no weights); `check_loaded` for the model an engine holds.
- `annotate_prompt` splits a rendered prompt into text and special-token segments, from how
  llama.cpp really tokenizes it. Special means a token added to the vocabulary as one piece:
  CONTROL, or USER_DEFINED (llama.cpp turns GPT-OSS's channel markers into those so they print;
  Qwen 3's <think> is one too);
  `inspect_prompt` is the view of one conversation: text, segments, adaptations, trimming.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import llama_cpp

from models.engine import llama_log
from models.engine.engine import Engine
from models.engine.native_model import NativeLoadError, NativeModel
from models.errors import ModelFileError, TemplateError
from models.families import (
    ChatTemplate,
    Family,
    Message,
    TemplateRenderError,
    build_template,
    choose_template,
    family_of,
    render_adapted,
)
from models.files import validate_model

Severity = Literal["error", "warning", "note"]
_SPECIAL = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED

TEST_CONVERSATION: tuple[Message, ...] = (
    {"role": "system", "content": "You are Hearth's test assistant."},
    {"role": "user", "content": "What is the first question?"},
    {"role": "assistant", "content": "This is the first answer."},
    {"role": "user", "content": "And the second question?"},
)
# Turn markers of the common families; seen as plain text, the model was never trained on them.
_OPENS_ANSWER = re.compile(r"\[/INST\]\s*$")
_MARKER = re.compile(r"<\|[A-Za-z0-9_.:-]{1,40}\|>|<｜[^｜<>]{1,40}｜>|<(?:start|end)_of_turn>|<extra_id_\d+>")


@dataclass(frozen=True)
class Segment:
    text: str
    special: bool  # one control or user-defined token of the model's vocabulary


@dataclass(frozen=True)
class Finding:
    severity: Severity
    message: str


@dataclass(frozen=True)
class TemplateReport:
    model_name: str
    template_source: str
    family: str  # display name, "" when unknown
    rendered: str  # the test conversation as the model sees it ("" when it cannot be rendered)
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


@dataclass(frozen=True)
class PromptInspection:
    text: str  # exactly what the model is fed
    segments: tuple[Segment, ...]
    adaptations: tuple[str, ...]  # what Hearth changed so the template could render it
    dropped_messages: int  # oldest messages left out to fit the context


def _vocabulary(source: Engine | NativeModel) -> NativeModel:
    return source.vocabulary if isinstance(source, Engine) else source


def annotate_prompt(source: Engine | NativeModel, text: str) -> list[Segment]:
    """`text` cut into plain-text and special-token segments; joined, they give `text` back."""
    vocab = _vocabulary(source)
    segments: list[Segment] = []
    position = 0
    for token in vocab.tokenize(text, add_special=False, parse_special=True):
        if not vocab.token_attr(token) & _SPECIAL:
            continue
        piece = vocab.token_text(token)
        at = text.find(piece, position)
        if not piece or at < 0:
            continue
        if at > position:
            segments.append(Segment(text[position:at], False))
        segments.append(Segment(piece, True))
        position = at + len(piece)
    if position < len(text):
        segments.append(Segment(text[position:], False))
    return segments


def inspect_prompt(
    engine: Engine, messages: Sequence[Message], thinking: bool | None = None, max_tokens: int | None = None
) -> PromptInspection:
    """What `engine.chat(messages, …)` would feed the model, for the window's template view."""
    prompt = engine.prepare_prompt(messages, max_tokens, thinking)
    adaptations = engine.render_details(prompt.messages, thinking).adaptations
    segments = tuple(annotate_prompt(engine, prompt.text))
    return PromptInspection(prompt.text, segments, adaptations, prompt.dropped)


def _source_findings(template: ChatTemplate, family: Family | None) -> list[Finding]:
    if template.source == "fallback":
        return [Finding("warning", "The model has no chat template and its family is unknown: Hearth formats "
                                   "conversations as ChatML, which the model may not have been trained on.")]
    if template.source.startswith("known-good: "):
        name = template.source.removeprefix("known-good: ")
        return [Finding("note", f"Hearth renders this model with its known-good {name} template.")]
    return []


def _render_findings(template: ChatTemplate, model_name: str, family: Family | None) -> tuple[str, list[Finding]]:
    findings: list[Finding] = []
    try:
        template.render(TEST_CONVERSATION)
    except TemplateRenderError as exc:
        findings.append(Finding("note", f"The template raises on the test conversation ({exc.reason})."))
    try:
        rendered = render_adapted(template, TEST_CONVERSATION, model_name=model_name, family=family)
    except TemplateError as exc:
        return "", [*findings, Finding("error", str(exc))]
    findings += [Finding("note", f"Hearth adapts conversations for it: {note}") for note in rendered.adaptations]
    text = rendered.text
    if not text.strip():
        return text, [*findings, Finding("error", "The template renders an empty prompt.")]
    system = TEST_CONVERSATION[0]["content"]
    if system not in text:
        findings.append(Finding("warning", "The template drops the system prompt: the model never sees it."))
    for message in TEST_CONVERSATION[1:]:
        if message["content"] not in text:
            findings.append(Finding("error", f"The template drops the {message['role']} message "
                                             f"\u201c{message['content']}\u201d."))
    try:
        without = render_adapted(template, TEST_CONVERSATION, model_name=model_name, family=family,
                                 add_generation_prompt=False).text
    except TemplateError:
        without = text
    # Llama 2 and Mistral need no generation prompt: their user turn ends with [/INST], which
    # opens the answer. Anywhere else an unchanged prompt means the answer turn is never opened.
    if without == text and not _OPENS_ANSWER.search(text):
        findings.append(Finding("warning", "The template adds no generation prompt: nothing tells the model that "
                                           "its answer starts, so it may continue the user's message instead."))
    try:
        template.render([{"role": "user", "content": "One."}, {"role": "user", "content": "Two."}])
    except TemplateRenderError:
        findings.append(Finding("note", "The template demands alternating user and assistant turns; Hearth merges "
                                        "consecutive messages of one role."))
    if template.supports_thinking_switch:
        findings.append(Finding("note", "The template can switch the model's reasoning off (enable_thinking)."))
    return text, findings


def _marker_findings(vocab: NativeModel, text: str) -> list[Finding]:
    plain = "".join(s.text for s in annotate_prompt(vocab, text) if not s.special)
    markers = sorted(set(_MARKER.findall(plain)))
    if not markers:
        return []
    listed = ", ".join(markers[:4])
    return [Finding("warning", f"The prompt's turn markers {listed} are plain text to this model, not its special "
                               "tokens: the template does not match the model's vocabulary.")]


def check_template(
    template: ChatTemplate, model_name: str, family: Family | None = None, vocab: NativeModel | None = None
) -> TemplateReport:
    """Render the test conversation through `template` and report what is wrong, in sentences."""
    findings = _source_findings(template, family)
    rendered, render_findings = _render_findings(template, model_name, family)
    findings += render_findings
    if vocab is not None and rendered:
        findings += _marker_findings(vocab, rendered)
    display = family.display_name if family else ""
    return TemplateReport(model_name, template.source, display, rendered, tuple(findings))


def check_loaded(engine: Engine) -> TemplateReport:
    name = engine.model.name if engine.model else "this model"
    return check_template(engine.template, name, engine.family, _vocabulary(engine))


def check_model_file(path: str | Path, template: str | None = None) -> TemplateReport:
    """The import-time check: the file's template (or `template`, a known-good one) against its
    own vocabulary, without loading the weights. Raises ModelFileError for an unusable file."""
    info = validate_model(path)
    family = family_of(info)
    choice = choose_template(info.chat_template, family, template, info.vocabulary_size)
    with llama_log.capture() as lines:
        try:
            vocab = NativeModel(info.path, vocab_only=True)
        except NativeLoadError as exc:
            reason = llama_log.failure_reason(lines) or str(exc)
            raise ModelFileError(info.path, f"llama.cpp could not read its vocabulary ({reason})") from exc
    try:
        bos, eos = vocab.token_text(vocab.bos), vocab.token_text(vocab.eos)
        try:
            chat_template = build_template(choice, bos, eos)
        except TemplateError as exc:
            display = family.display_name if family else ""
            return TemplateReport(info.name, choice.source, display, "", (Finding("error", str(exc)),))
        return check_template(chat_template, info.name, family, vocab)
    finally:
        vocab.close()
