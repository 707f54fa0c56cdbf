"""Answers grounded on documents: search the attached collections, then build the prompt that
cites what was found. It satisfies the conversation flow's `Grounding` (desktop.chats.conversation)
without either package importing the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from desktop.documents.prompt import build_grounded_messages
from desktop.documents.worker import Retrieval

Messages = list[dict[str, str]]
Retrieve = Callable[[str, Sequence[int], Callable[[Retrieval], None], Callable[[str], None]], None]


class DocumentGrounding:
    """Grounds one answer on `collection_ids`. `retrieve(question, ids, on_done, on_error)` searches
    them (the window's documents bridge, which answers on the GUI thread)."""

    def __init__(self, retrieve: Retrieve, collection_ids: Sequence[int], max_source_tokens: int) -> None:
        self._retrieve = retrieve
        self.collection_ids = tuple(collection_ids)
        self.max_source_tokens = max_source_tokens

    def ground(
        self, question: str, history: Messages, system_prompt: str, on_done: Callable[[Messages, dict[str, Any]], None]
    ) -> None:
        def found(retrieval: Retrieval) -> None:
            messages, citations = build_grounded_messages(
                question, retrieval.chunks, system_prompt, history, max_source_tokens=self.max_source_tokens
            )
            notes = [retrieval.notice] if retrieval.notice else []
            if retrieval.still_indexing:
                notes.append("Some documents are still being indexed: this answer used the files ready so far.")
            on_done(messages, {"citations": [c.as_dict() for c in citations], "notes": notes})

        def failed(error: str) -> None:
            plain = ([{"role": "system", "content": system_prompt}] if system_prompt.strip() else [])
            messages = [*plain, *history, {"role": "user", "content": question}]
            note = f"The documents could not be searched ({error}); this answer does not use them."
            on_done(messages, {"notes": [note]})

        self._retrieve(question, self.collection_ids, found, failed)
