"""Cutting parsed documents into chunks that follow their structure, with overlap.

A chunk never spans two pages or two headings: its location (page, heading) is then exact, and
a citation says where the words are. Within one location, paragraphs are packed whole up to the
token budget; a paragraph larger than the budget is cut at sentence ends, then at line ends,
then between words. Each chunk after the first in a location starts with the end of the one
before it (whole paragraphs or sentences where they fit the overlap budget), so an answer whose
words straddle a cut is still found in one chunk.

Sizes: 256 estimated tokens, about 1,000 characters of English, fits every supported embedding
model's window (all-MiniLM: 256 word pieces, bge-small: 512, nomic-embed-text: 8,192) and puts
5 sources in about 1,300 tokens of prompt, which leaves room for an answer in a 4,096-token
context. Overlap 32 tokens (an eighth): a sentence or two. On the retrieval-quality test
(tests/unit/desktop/documents/test_retrieval_quality.py, short docstring sections) the size hardly
mattered: 128/256/512 tokens gave BM25 recall@5 0.80/0.77/0.77 and vector recall@5
0.90/0.87/0.87, because sections there are shorter than any of them.

Token counts come from a length function: by default a heuristic (about 4 characters per
token, never fewer tokens than words). Against real tokenizers it counts low by 6-9% on the
standard library's documentation and by 17-22% on this project's README (Markdown tables,
punctuation) for all-MiniLM's WordPiece and SmolLM2's BPE; chunk budgets leave that margin.
Pass a model's tokenizer to count exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from desktop.documents.types import Chunk, ParsedDocument, Section

LengthFunction = Callable[[str], int]

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def estimate_tokens(text: str) -> int:
    """About 4 characters a token; never fewer tokens than words (short words are a token each)."""
    return max((len(text) + 3) // 4, len(text.split()))


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 256
    overlap_tokens: int = 32

    def __post_init__(self) -> None:
        if self.max_tokens < 16 or not 0 <= self.overlap_tokens < self.max_tokens // 2:
            raise ValueError("chunks need at least 16 tokens and an overlap under half of them")


@dataclass(frozen=True)
class _Unit:
    text: str
    line: int | None
    tokens: int


def _runs(sections: Iterable[Section]) -> list[list[Section]]:
    """Consecutive sections that share a location (page and heading)."""
    runs: list[list[Section]] = []
    for section in sections:
        if runs and (runs[-1][0].page, runs[-1][0].heading) == (section.page, section.heading):
            runs[-1].append(section)
        else:
            runs.append([section])
    return runs


def _line_at(start_line: int | None, text: str, offset: int) -> int | None:
    return None if start_line is None else start_line + text.count("\n", 0, offset)


def _split(text: str, line: int | None, budget: int, length: LengthFunction) -> list[_Unit]:
    """`text` as units no larger than `budget`: itself, else its sentences, lines, or word runs."""
    size = length(text)
    if size <= budget:
        return [_Unit(text, line, size)]
    for pattern in (_SENTENCE_END, re.compile(r"\n")):
        pieces = _pieces(text, pattern)
        if len(pieces) > 1:
            units: list[_Unit] = []
            for offset, piece in pieces:
                units.extend(_split(piece, _line_at(line, text, offset), budget, length))
            return units
    # One very long "sentence" (minified code, a table flattened to one line): cut between words.
    words = text.split(" ")
    units = []
    current: list[str] = []
    for word in words:
        if current and length(" ".join([*current, word])) > budget:
            joined = " ".join(current)
            units.append(_Unit(joined, line, length(joined)))
            current = []
        current.append(word[: budget * 4])  # a single "word" longer than the budget is truncated
    if current:
        joined = " ".join(current)
        units.append(_Unit(joined, line, length(joined)))
    return units


def _pieces(text: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    pieces, start = [], 0
    for match in pattern.finditer(text):
        if text[start : match.start()].strip():
            pieces.append((start, text[start : match.start()]))
        start = match.end()
    if text[start:].strip():
        pieces.append((start, text[start:]))
    return pieces


def _units(run: list[Section], budget: int, length: LengthFunction) -> list[_Unit]:
    units: list[_Unit] = []
    for section in run:
        for offset, paragraph in _pieces(section.text, _PARAGRAPH_BREAK):
            units.extend(_split(paragraph.strip("\n"), _line_at(section.line, section.text, offset), budget, length))
    return units


def _overlap(units: list[_Unit], budget: int, length: LengthFunction) -> list[_Unit]:
    """The end of a finished chunk that starts the next one: whole units if they fit, else its last words."""
    if budget <= 0 or not units:
        return []
    taken: list[_Unit] = []
    total = 0
    for unit in reversed(units):
        if total + unit.tokens > budget:
            break
        taken.insert(0, unit)
        total += unit.tokens
    if taken:
        return taken
    words = units[-1].text.split()
    tail: list[str] = []
    for word in reversed(words):
        if length(" ".join([word, *tail])) > budget:
            break
        tail.insert(0, word)
    # A tail of the last unit starts mid-sentence; it is context, so it gets no line of its own.
    return [_Unit(" ".join(tail), units[-1].line, length(" ".join(tail)))] if tail else []


def chunk_sections(
    sections: Iterable[Section], settings: ChunkSettings = ChunkSettings(), length: LengthFunction = estimate_tokens
) -> list[Chunk]:
    chunks: list[Chunk] = []
    # Separators between units cost a token or so each; keep a little headroom for them.
    budget = settings.max_tokens - max(2, settings.max_tokens // 32)
    for run in _runs(sections):
        chunks.extend(_pack(run, budget, settings.overlap_tokens, length, first_ordinal=len(chunks)))
    return chunks


def _pack(run: list[Section], budget: int, overlap: int, length: LengthFunction, first_ordinal: int) -> list[Chunk]:
    """One location's paragraphs packed into chunks, each after the first starting with an overlap."""
    first = run[0]
    chunks: list[Chunk] = []
    current: list[_Unit] = []
    fresh = 0  # units in `current` that are not overlap

    def emit(units: list[_Unit]) -> None:
        text = "\n\n".join(u.text for u in units).strip()
        if text:
            line = next((u.line for u in units if u.line is not None), None)
            chunks.append(Chunk(first_ordinal + len(chunks), text, first.heading, first.page, line, length(text)))

    for unit in _units(run, budget, length):
        if current and fresh and sum(u.tokens for u in current) + unit.tokens > budget:
            emit(current)
            current = _overlap(current, overlap, length)
            fresh = 0
            while current and sum(u.tokens for u in current) + unit.tokens > budget:
                current.pop(0)
        current.append(unit)
        fresh += 1
    if fresh:
        emit(current)
    return chunks


def chunk_document(
    document: ParsedDocument, settings: ChunkSettings = ChunkSettings(), length: LengthFunction = estimate_tokens
) -> list[Chunk]:
    return chunk_sections(document.sections, settings, length)
