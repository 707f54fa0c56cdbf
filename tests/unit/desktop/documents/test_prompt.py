"""The grounded prompt: numbered sources with locations, the instruction, and the citations."""

from __future__ import annotations

from pathlib import Path

from desktop.documents.chunking import estimate_tokens
from desktop.documents.prompt import GROUNDING_INSTRUCTIONS, NO_SOURCES, build_grounded_messages, snippet
from desktop.documents.types import RetrievedChunk


def _chunk(chunk_id: int, path: str, text: str, page: int | None = None, heading: str | None = None,
           line: int | None = None) -> RetrievedChunk:
    return RetrievedChunk(chunk_id, 1, Path(path), None, heading, page, line, text, 0.1, 1, None)


def test_sources_are_numbered_with_file_and_location() -> None:
    chunks = [
        _chunk(7, "/docs/report.pdf", "Revenue grew by 12% in 2024.", page=3, heading="Results"),
        _chunk(9, "/docs/notes.md", "Costs stayed flat.", heading="Budget › Costs"),
        _chunk(11, "/src/tool.py", "def main(): ...", line=40),
    ]
    messages, citations = build_grounded_messages("How much did revenue grow?", chunks, "You are terse.")
    system, user = messages[0], messages[-1]
    assert system == {"role": "system", "content": f"You are terse.\n\n{GROUNDING_INSTRUCTIONS}"}
    assert "[1] or [2][3]" in system["content"] and "do not contain the answer" in system["content"]
    assert user["role"] == "user"
    assert user["content"] == (
        "Sources:\n\n"
        "[1] report.pdf, page 3 · Results\nRevenue grew by 12% in 2024.\n\n"
        "[2] notes.md, Budget › Costs\nCosts stayed flat.\n\n"
        "[3] tool.py, line 40\ndef main(): ...\n\n"
        "Question: How much did revenue grow?"
    )
    assert [(c.number, c.chunk_id, c.file_name, c.location) for c in citations] == [
        (1, 7, "report.pdf", "page 3 · Results"), (2, 9, "notes.md", "Budget › Costs"), (3, 11, "tool.py", "line 40")
    ]
    assert citations[0].path == Path("/docs/report.pdf") and citations[0].page == 3
    assert citations[0].as_dict()["snippet"] == "Revenue grew by 12% in 2024."


def test_history_comes_before_the_question_and_its_system_message_is_replaced() -> None:
    history = [
        {"role": "system", "content": "old system"},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello [1]"},
    ]
    messages, _ = build_grounded_messages("Next?", [_chunk(1, "/a.txt", "text")], "", history)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[0]["content"] == GROUNDING_INSTRUCTIONS
    assert messages[1:3] == history[1:]


def test_no_sources_tells_the_model_so() -> None:
    messages, citations = build_grounded_messages("Anything?", [])
    assert citations == []
    assert NO_SOURCES in messages[-1]["content"] and messages[-1]["content"].endswith("Question: Anything?")


def test_sources_are_cut_to_the_budget_but_one_always_fits() -> None:
    big = "word " * 2000
    chunks = [_chunk(i, f"/f{i}.txt", big) for i in range(3)]
    messages, citations = build_grounded_messages("q", chunks, max_source_tokens=300)
    assert len(citations) == 1 and estimate_tokens(messages[-1]["content"]) < 400
    small = [_chunk(i, f"/f{i}.txt", "a short passage of text") for i in range(10)]
    _, citations = build_grounded_messages("q", small, max_source_tokens=40)
    assert 1 < len(citations) < 10


def test_snippets_are_one_line_cut_at_a_word() -> None:
    assert snippet("a\n\nb   c") == "a b c"
    text = snippet("word " * 100, limit=24)
    assert text.endswith("…") and len(text) <= 25 and "  " not in text
