"""Plain immutable records the store hands out; safe to pass between threads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

ROLES: Final = frozenset({"system", "user", "assistant"})

STREAMING: Final = "streaming"
# Statuses a finished answer can end in; "interrupted" is only ever set by crash recovery.
FINAL_STATUSES: Final = frozenset({"complete", "cancelled", "failed"})
STATUSES: Final = FINAL_STATUSES | {STREAMING, "interrupted"}

# search() wraps matched terms in these; control characters never occur in typed text, so the
# window can escape the snippet first and then turn them into markup (see desktop.chats.search).
MARK_START: Final = "\x02"
MARK_END: Final = "\x03"


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    system_prompt: str
    settings: dict[str, Any]
    model: str | None
    created_at: float
    updated_at: float  # last activity (a message added or finished); renaming does not count
    current_leaf_id: int | None
    assistant_id: int | None = None  # the assistant it was started with (desktop.chats.assistants)


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: int
    parent_id: int | None
    role: str
    content: str
    model: str | None
    settings: dict[str, Any] | None
    stats: dict[str, Any] | None
    status: str  # "complete" | "streaming" | "cancelled" | "failed" | "interrupted"
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    conversation_title: str
    message_id: int | None  # None: the conversation's title matched
    snippet: str  # matched terms between MARK_START and MARK_END
    rank: float  # bm25: lower is better; hits come sorted by it
