"""Structure-aware chunking: within the budget, never across pages or headings, with overlap."""

from __future__ import annotations

import itertools

import pytest

from desktop.documents.chunking import ChunkSettings, chunk_sections, estimate_tokens
from desktop.documents.types import Section


def _sentences(count: int, prefix: str = "Sentence") -> str:
    return " ".join(f"{prefix} number {i} says something about the topic." for i in range(count))


def test_chunks_stay_within_the_budget_and_keep_order() -> None:
    text = "\n\n".join(_sentences(4, f"P{p}") for p in range(30))
    chunks = chunk_sections([Section(text, heading="Long")], ChunkSettings(max_tokens=128, overlap_tokens=16))
    assert len(chunks) > 5
    assert all(c.tokens <= 128 for c in chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert all(c.heading == "Long" for c in chunks)
    # Every paragraph's text is somewhere, in order.
    joined = "\n".join(c.text for c in chunks)
    assert joined.index("P0 number 0") < joined.index("P29 number 3")


def test_consecutive_chunks_overlap() -> None:
    text = "\n\n".join(_sentences(2, f"P{p}") for p in range(20))
    chunks = chunk_sections([Section(text)], ChunkSettings(max_tokens=96, overlap_tokens=32))
    for before, after in itertools.pairwise(chunks):
        last_paragraph = before.text.split("\n\n")[-1]
        assert after.text.startswith(last_paragraph[:40]), (before.text, after.text)


def test_chunks_never_cross_pages_or_headings() -> None:
    sections = [
        Section("Page one words.", page=1, heading="Intro"),
        Section("Page two words.", page=2, heading="Intro"),
        Section("Other heading.", page=2, heading="Results"),
        Section("Same heading, same page, merges.", page=2, heading="Results"),
    ]
    chunks = chunk_sections(sections)
    assert [(c.page, c.heading, c.text) for c in chunks] == [
        (1, "Intro", "Page one words."),
        (2, "Intro", "Page two words."),
        (2, "Results", "Other heading.\n\nSame heading, same page, merges."),
    ]


def test_a_huge_paragraph_is_cut_at_sentences_then_words() -> None:
    sentence_text = _sentences(60)
    chunks = chunk_sections([Section(sentence_text)], ChunkSettings(max_tokens=64, overlap_tokens=8))
    assert all(c.tokens <= 64 for c in chunks)
    assert all(c.text.rstrip(" …").endswith(".") for c in chunks)  # cut where sentences end
    one_line = " ".join(["word"] * 2000)
    chunks = chunk_sections([Section(one_line)], ChunkSettings(max_tokens=64, overlap_tokens=0))
    assert sum(c.text.count("word") for c in chunks) == 2000
    assert all(c.tokens <= 64 for c in chunks)


def test_line_numbers_point_at_the_chunk_start() -> None:
    text = "\n".join(f"line {n} " + "x " * 30 for n in range(1, 41))
    chunks = chunk_sections([Section(text, line=10)], ChunkSettings(max_tokens=64, overlap_tokens=0))
    assert chunks[0].line == 10
    for chunk in chunks:
        first = int(chunk.text.split()[1])
        assert chunk.line == 10 + first - 1


def test_a_tokenizer_can_count_instead_of_the_heuristic() -> None:
    counted: list[str] = []

    def by_characters(text: str) -> int:
        counted.append(text)
        return len(text)

    chunks = chunk_sections([Section(_sentences(20))], ChunkSettings(max_tokens=200, overlap_tokens=20), by_characters)
    assert counted and all(len(c.text) <= 200 for c in chunks)


def test_the_heuristic_and_invalid_settings() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("a b c d e f") == 6  # short words: a token each
    assert estimate_tokens("x" * 400) == 100
    with pytest.raises(ValueError):
        ChunkSettings(max_tokens=64, overlap_tokens=40)
