"""Plain immutable values that travel between the parsers, the index, the indexer thread and the window."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FileStatus = Literal["pending", "ready", "failed"]
# What one run of the indexer did with a file:
#   indexed    parsed, chunked (and embedded) anew
#   unchanged  same size and mtime, or same content hash: nothing to do
#   failed     could not be read; `reason` says why, the rest of the batch goes on
#   removed    the file is gone from disk (or was removed by the user): its chunks left the index
#   skipped    inside a folder but of a kind Hearth does not read (images, archives...)
FileOutcome = Literal["indexed", "unchanged", "failed", "removed", "skipped"]
Phase = Literal["scanning", "indexing", "finished", "cancelled"]


@dataclass(frozen=True)
class Section:
    """A piece of a document with one location: a page, a heading, or the line it starts at."""

    text: str
    heading: str | None = None  # the heading path, outermost first: "Install › Linux"
    page: int | None = None  # 1-based, for paged formats (PDF)
    line: int | None = None  # 1-based first line, for text and source code


@dataclass(frozen=True)
class ParsedDocument:
    path: Path
    format: str  # "text", "markdown", "code", "html", "pdf", "docx"
    title: str | None
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Chunk:
    """What the index stores and retrieval returns: a span of a section, with that section's location."""

    ordinal: int  # position in the document
    text: str
    heading: str | None
    page: int | None
    line: int | None
    tokens: int  # estimated by the chunker's length function


def location_label(page: int | None, heading: str | None, line: int | None) -> str:
    """Where a chunk is, for a citation: "page 3 · Results", "Install › Linux", "line 120", or ""."""
    parts = []
    if page is not None:
        parts.append(f"page {page}")
    if heading:
        parts.append(heading)
    elif line is not None and page is None:
        parts.append(f"line {line}")
    return " · ".join(parts)


@dataclass(frozen=True)
class Collection:
    id: int
    name: str
    conversation_id: int | None  # set for the private collection of files dropped on one conversation
    roots: tuple[Path, ...]  # the files and folders the user added; folders are rescanned
    file_count: int
    ready_count: int
    failed_count: int
    pending_count: int
    chunk_count: int
    created_at: float
    updated_at: float

    @property
    def indexing(self) -> bool:
        return self.pending_count > 0


@dataclass(frozen=True)
class IndexedFile:
    id: int
    collection_id: int
    path: Path
    size: int
    mtime_ns: int
    sha256: str | None
    status: FileStatus
    error: str | None  # the reason it failed, one plain sentence
    format: str | None
    title: str | None
    chunk_count: int
    embedding_model: str | None  # the model its vectors came from; None: keyword search only
    indexed_at: float | None

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class RetrievedChunk:
    chunk_id: int
    file_id: int
    path: Path
    title: str | None
    heading: str | None
    page: int | None
    line: int | None
    text: str
    score: float  # the fused reciprocal-rank score; higher is better
    keyword_rank: int | None  # 1-based rank in the BM25 list, None when it was not in it
    vector_rank: int | None  # 1-based rank in the embedding list, None when not in it (or no model)

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def location(self) -> str:
        return location_label(self.page, self.heading, self.line)


@dataclass(frozen=True)
class Citation:
    """One numbered source under an answer: what the window shows, and what opens on a click."""

    number: int  # the [n] the model was told to cite
    chunk_id: int
    path: Path
    file_name: str
    page: int | None
    heading: str | None
    line: int | None
    location: str  # "page 3 · Results"; "" when the file has no structure
    snippet: str  # the start of the chunk, one paragraph, for the citation card

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "chunk_id": self.chunk_id,
            "path": str(self.path),
            "file_name": self.file_name,
            "page": self.page,
            "heading": self.heading,
            "line": self.line,
            "location": self.location,
            "snippet": self.snippet,
        }


@dataclass(frozen=True)
class FileResult:
    path: Path
    outcome: FileOutcome
    chunks: int = 0
    reason: str | None = None  # why it failed or was skipped


@dataclass(frozen=True)
class IndexProgress:
    """Sent from the indexer thread about every 100 ms and after each file; all plain values."""

    job_id: int
    collection: str
    phase: Phase
    files_total: int
    files_done: int
    files_failed: int
    chunks_done: int
    bytes_total: int
    bytes_done: int
    elapsed_s: float
    chunks_per_s: float
    eta_s: float | None  # None until there is a rate to go by
    current_file: Path | None
    last_result: FileResult | None  # the file finished since the previous message, if any

    @property
    def fraction(self) -> float:
        """Work done in [0, 1], by bytes (a file's size predicts its work better than a file count)."""
        if self.phase in ("finished", "cancelled"):
            return 1.0
        if self.bytes_total > 0:
            return min(1.0, self.bytes_done / self.bytes_total)
        return self.files_done / self.files_total if self.files_total else 0.0


@dataclass(frozen=True)
class IndexReport:
    job_id: int
    collection: str
    results: tuple[FileResult, ...]
    cancelled: bool
    elapsed_s: float
    embedded: bool  # vectors were computed (an embedding model is installed)
    embedded_only: bool = False  # vectors added to what was indexed already (desktop/documents/backfill.py)

    def count(self, outcome: FileOutcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def chunks(self) -> int:
        return sum(r.chunks for r in self.results)

    @property
    def failures(self) -> tuple[FileResult, ...]:
        return tuple(r for r in self.results if r.outcome == "failed")
