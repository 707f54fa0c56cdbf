"""Grounded chat without a window: `hearth chat --docs COLLECTION` retrieves, then builds the prompt.

Runs on the calling thread (the CLI's main thread), which then owns the embedding model for the
one query it embeds; the window uses desktop.documents.worker instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop.documents.embedder import KEYWORD_ONLY_NOTICE, Embedder, find_embedding_model
from desktop.documents.errors import EmbeddingModelError
from desktop.documents.prompt import DEFAULT_SOURCE_TOKENS, build_grounded_messages
from desktop.documents.retrieval import DEFAULT_LIMIT, Retriever
from desktop.documents.store import DocumentIndex
from desktop.documents.types import Citation, RetrievedChunk
from desktop.paths import AppPaths


@dataclass(frozen=True)
class GroundedChat:
    messages: list[dict[str, str]]
    citations: list[Citation]
    chunks: tuple[RetrievedChunk, ...]
    notice: str | None  # KEYWORD_ONLY_NOTICE, or why the embedding model could not be used
    pending_files: int  # files of the collection not indexed yet


def retrieve(
    paths: AppPaths, collection: str, question: str, limit: int = DEFAULT_LIMIT, keyword_only: bool = False
) -> tuple[list[RetrievedChunk], str | None, int]:
    """(chunks, notice, pending files) for `question` in the named collection."""
    notice: str | None = KEYWORD_ONLY_NOTICE
    embedder: Embedder | None = None
    with DocumentIndex.open(paths) as index:
        target = index.collection(collection)
        model = None if keyword_only else find_embedding_model(paths.models, paths.starter_embedding)
        if model is not None:
            try:
                embedder = Embedder(model)
                notice = None
            except EmbeddingModelError as exc:
                notice = f"Keyword search only: {exc}"
        try:
            vector = embedder.embed_query(question) if embedder is not None else None
            chunks = Retriever(index).search(
                question, [target.id], limit=limit, query_vector=vector,
                model=embedder.model_id if embedder is not None else None,
            )
        finally:
            if embedder is not None:
                embedder.close()
        return chunks, notice, target.pending_count


def grounded_chat(
    paths: AppPaths,
    collection: str,
    question: str,
    system_prompt: str = "",
    history: Sequence[dict[str, str]] = (),
    max_source_tokens: int = DEFAULT_SOURCE_TOKENS,
) -> GroundedChat:
    chunks, notice, pending = retrieve(paths, collection, question)
    messages, citations = build_grounded_messages(
        question, chunks, system_prompt, history, max_source_tokens=max_source_tokens
    )
    return GroundedChat(messages, citations, tuple(chunks), notice, pending)


def grounded_chat_messages(
    paths: AppPaths,
    collection: str,
    question: str,
    system_prompt: str = "",
    max_source_tokens: int = DEFAULT_SOURCE_TOKENS,
) -> tuple[list[dict[str, str]], list[Citation]]:
    """The engine's messages for `question` answered from `collection`, and the citations to print.
    Size `max_source_tokens` to the model's context (half of it leaves room for the answer)."""
    grounded = grounded_chat(paths, collection, question, system_prompt, max_source_tokens=max_source_tokens)
    return grounded.messages, grounded.citations


def format_citations(citations: Sequence[Citation]) -> str:
    """The sources under an answer in a terminal: "[1] report.pdf, page 3 · Results — /path/report.pdf"."""
    if not citations:
        return "Sources: none of the documents matched."
    lines = ["Sources:"]
    for citation in citations:
        where = f", {citation.location}" if citation.location else ""
        lines.append(f"[{citation.number}] {citation.file_name}{where} — {citation.path}")
    return "\n".join(lines)
