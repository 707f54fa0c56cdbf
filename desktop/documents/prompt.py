"""The grounded prompt: numbered sources in the question, an instruction to answer from them and
cite them, and the citation list the window shows under the answer.

The instruction goes in the system message and never changes; the sources go in the newest user
message. A follow-up question then keeps the conversation's evaluated prefix (system prompt
and earlier turns) reusable by the engine's prefix cache, instead of invalidating it by
putting new sources in front of everything. Earlier turns carry no sources: their answers
already say what was found.

Sources are added best first until their estimated tokens reach `max_source_tokens` (the
caller sizes it to the model's context; the default suits a 4,096-token context), and a
source that would overflow is cut at a word; at least one source is always given.
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop.documents.chunking import LengthFunction, estimate_tokens
from desktop.documents.types import Citation, RetrievedChunk

GROUNDING_INSTRUCTIONS = (
    "Answer the user's question from the numbered sources in their message. "
    "Cite the sources you use by their numbers in square brackets, like [1] or [2][3], "
    "right after the statement they support. "
    "If the sources do not contain the answer, say that the documents do not contain it; "
    "do not make up an answer."
)
NO_SOURCES = "No passage of the documents matched this question."
DEFAULT_SOURCE_TOKENS = 1600
SNIPPET_CHARS = 240
_SENT_ROLES = frozenset({"user", "assistant"})


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of a chunk on one line, cut at a word, for a citation card."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return f"{cut or flat[:limit]}…"


def _cut(text: str, tokens: int, length: LengthFunction) -> str:
    words = text.split(" ")
    low, high = 1, len(words)
    while low < high:  # the longest prefix of words within the budget
        middle = (low + high + 1) // 2
        if length(" ".join(words[:middle])) <= tokens:
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low]) + " …"


def source_label(chunk: RetrievedChunk) -> str:
    location = chunk.location
    return f"{chunk.file_name}, {location}" if location else chunk.file_name


def citations_for(chunks: Sequence[RetrievedChunk]) -> list[Citation]:
    return [
        Citation(
            number=number, chunk_id=chunk.chunk_id, path=chunk.path, file_name=chunk.file_name, page=chunk.page,
            heading=chunk.heading, line=chunk.line, location=chunk.location, snippet=snippet(chunk.text),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def sources_block(
    chunks: Sequence[RetrievedChunk], max_tokens: int = DEFAULT_SOURCE_TOKENS, length: LengthFunction = estimate_tokens
) -> tuple[str, list[RetrievedChunk]]:
    """The numbered sources as text, and the chunks that fit (in order: [n] is the n-th)."""
    parts: list[str] = []
    used: list[RetrievedChunk] = []
    spent = 0
    for chunk in chunks:
        text = chunk.text.strip()
        cost = length(text)
        if used and spent + cost > max_tokens:
            break
        if cost > max_tokens - spent:
            text = _cut(text, max(16, max_tokens - spent), length)
            cost = length(text)
        parts.append(f"[{len(used) + 1}] {source_label(chunk)}\n{text}")
        used.append(chunk)
        spent += cost
    return "\n\n".join(parts), used


def build_grounded_messages(
    question: str,
    chunks: Sequence[RetrievedChunk],
    system_prompt: str = "",
    history: Sequence[dict[str, str]] = (),
    *,
    max_source_tokens: int = DEFAULT_SOURCE_TOKENS,
    length: LengthFunction = estimate_tokens,
) -> tuple[list[dict[str, str]], list[Citation]]:
    """Messages for the engine, and the citations to show under the answer ([n] is citations[n-1]).

    `history` is the conversation so far as {"role", "content"} dicts (e.g. from
    desktop.chats.build_messages); its system message, if any, is replaced by `system_prompt`
    plus the grounding instructions.
    """
    system = f"{system_prompt.strip()}\n\n{GROUNDING_INSTRUCTIONS}" if system_prompt.strip() else GROUNDING_INSTRUCTIONS
    messages = [{"role": "system", "content": system}]
    messages += [dict(m) for m in history if m.get("role") in _SENT_ROLES]
    block, used = sources_block(chunks, max_source_tokens, length)
    sources = f"Sources:\n\n{block}" if used else f"Sources: none. {NO_SOURCES}"
    messages.append({"role": "user", "content": f"{sources}\n\nQuestion: {question.strip()}"})
    return messages, citations_for(used)
