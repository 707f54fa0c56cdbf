"""Conversations: the SQLite store, streaming answers into it, search, export and prompt assembly.

Qt-free (an import-linter contract keeps it so); the window drives it from the GUI thread.
"""

from desktop.chats.conversation import AnswerEngine, AnswerEvents, Conversations, Grounding
from desktop.chats.errors import DamagedStoreError, NotFoundError, StoreError
from desktop.chats.export import JSON_FORMAT, JSON_FORMAT_VERSION
from desktop.chats.grouping import group_by_date
from desktop.chats.prompt import build_messages
from desktop.chats.search import fts_query, snippet_html, snippet_text
from desktop.chats.store import DATABASE_NAME, PURGE_AFTER_S, ChatStore, database_path
from desktop.chats.streaming import StreamingWriter
from desktop.chats.titles import title_from_message
from desktop.chats.types import (
    FINAL_STATUSES,
    MARK_END,
    MARK_START,
    ROLES,
    STATUSES,
    Conversation,
    Message,
    SearchHit,
)
from desktop.chats.undo import DeletedMessages

__all__ = [
    "DATABASE_NAME",
    "FINAL_STATUSES",
    "JSON_FORMAT",
    "JSON_FORMAT_VERSION",
    "MARK_END",
    "MARK_START",
    "PURGE_AFTER_S",
    "ROLES",
    "STATUSES",
    "AnswerEngine",
    "AnswerEvents",
    "ChatStore",
    "Conversation",
    "Conversations",
    "DamagedStoreError",
    "DeletedMessages",
    "Grounding",
    "Message",
    "NotFoundError",
    "SearchHit",
    "StoreError",
    "StreamingWriter",
    "build_messages",
    "database_path",
    "fts_query",
    "group_by_date",
    "snippet_html",
    "snippet_text",
    "title_from_message",
]
