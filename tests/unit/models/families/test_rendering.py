"""Each family's prompt, rendered through the model's own template: system prompt, consecutive
turns, multi-turn history without reasoning, and the generation prompt."""

from __future__ import annotations

import pytest

from models.engine import Engine, annotate_prompt
from models.errors import TemplateError
from models.families import FOLDED_SYSTEM, MERGED_TURNS, strip_reasoning
from tests.fixtures.families import FamilyModel
from tests.unit.models.families.cases import ALL, EngineFor, over

SYSTEM = "You are a terse pirate."
HISTORY = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "First question?"},
    {"role": "assistant", "content": "<think>\nsecret chain of thought\n</think>\n\nFirst answer."},
    {"role": "user", "content": "Second question?"},
    {"role": "assistant", "content": "Second answer."},
    {"role": "user", "content": "Third question?"},
]


def _between(engine: Engine, text: str, before: str, after: str) -> tuple[str, bool]:
    """The text between two contents, and whether a special token (a turn marker) lies in it."""
    start = text.index(before) + len(before)
    end = text.index(after, start)
    segments = annotate_prompt(engine, text)
    offset, special = 0, False
    for segment in segments:
        if segment.special and offset < end and offset + len(segment.text) > start:
            special = True
        offset += len(segment.text)
    return text[start:end], special


@pytest.mark.compat("system")
@over(ALL)
def test_system_prompt(model: FamilyModel, family_engine: EngineFor) -> None:
    engine = family_engine(model)
    conversation = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Hi"}]
    rendered = engine.render_details(conversation)
    assert rendered.text.count(SYSTEM) == 1
    gap, marker_between = _between(engine, rendered.text, SYSTEM, "Hi")
    if model.system == "native":  # a turn of its own
        assert rendered.adaptations == ()
        assert marker_between
    elif model.system == "template-folds":  # the template itself opens the first user turn with it
        assert rendered.adaptations == ()
        assert gap.strip() == ""
    else:  # the template raises on it (the Gemma 2 / Mistral failure); Hearth folds it in
        with pytest.raises(TemplateError):
            engine.template.render(conversation)
        assert rendered.adaptations == (FOLDED_SYSTEM,)
        assert gap.strip() == ""


@pytest.mark.compat("alternation")
@over(ALL)
def test_two_user_messages_in_a_row(model: FamilyModel, family_engine: EngineFor) -> None:
    engine = family_engine(model)
    conversation = [{"role": "user", "content": "First part."}, {"role": "user", "content": "Second part."}]
    rendered = engine.render_details(conversation)
    gap, marker_between = _between(engine, rendered.text, "First part.", "Second part.")
    if model.consecutive == "accepted":
        assert rendered.adaptations == ()
        assert marker_between  # two turns, as sent
    else:  # "Conversation roles must alternate": Hearth merges them into one turn
        with pytest.raises(TemplateError, match="alternate"):
            engine.template.render(conversation)
        assert rendered.adaptations == (MERGED_TURNS,)
        assert gap == "\n\n"


@pytest.mark.compat("history")
@over(ALL)
def test_multi_turn_history_without_reasoning(model: FamilyModel, family_engine: EngineFor) -> None:
    engine = family_engine(model)
    text = engine.render(HISTORY)
    assert "secret chain of thought" not in text
    order = [text.index(m["content"]) for m in HISTORY[1:] if m["role"] == "user"]
    order += [text.index("First answer."), text.index("Second answer.")]
    assert sorted(order) == [order[0], order[3], order[1], order[4], order[2]]
    # The app's history builder strips reasoning before the engine sees it; same prompt either way.
    stripped = [{**m, "content": strip_reasoning(m["content"])} if m["role"] == "assistant" else m for m in HISTORY]
    assert engine.render(stripped) == text


@pytest.mark.compat("generation-prompt")
@over(ALL)
def test_generation_prompt(model: FamilyModel, family_engine: EngineFor) -> None:
    engine = family_engine(model)
    text = engine.render(HISTORY)
    assert text.endswith(model.answer_cue)
    without = engine.render_details(HISTORY, add_generation_prompt=False).text
    if model.answer_cue.strip() == "[/INST]":  # Mistral's user turn itself opens the answer
        assert without == text
    else:
        assert not without.endswith(model.answer_cue)
        tail_start = len(text) - len(model.answer_cue)
        offset, markers = 0, []
        for segment in annotate_prompt(engine, text):
            if segment.special and offset >= tail_start:
                markers.append(segment.text)
            offset += len(segment.text)
        assert markers, "the answer cue's markers must be the model's special tokens"
