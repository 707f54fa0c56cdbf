"""Conversations: the SQLite store, streaming answers into it, search, export and prompt assembly.

Qt-free (an import-linter contract keeps it so); the window drives it from the GUI thread.
"""

from desktop.chats.assistants import Assistant, Assistants, conversation_values, start_conversation
from desktop.chats.conversation import AnswerEngine, AnswerEvents, Conversations, Grounding
from desktop.chats.errors import DamagedStoreError, NotFoundError, PromptFillError, StoreError
from desktop.chats.export import JSON_FORMAT, JSON_FORMAT_VERSION
from desktop.chats.grouping import group_by_date
from desktop.chats.prompt import build_messages
from desktop.chats.prompt_files import PromptFile, from_markdown, read_prompt_file, to_markdown, write_prompt_files
from desktop.chats.prompts import PromptLibrary, SavedPrompt
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
from desktop.chats.variables import FillContext, ParsedPrompt, Placeholder, Variable, fill, fill_partial, parse

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
    "Assistant",
    "Assistants",
    "ChatStore",
    "Conversation",
    "Conversations",
    "DamagedStoreError",
    "DeletedMessages",
    "FillContext",
    "Grounding",
    "Message",
    "NotFoundError",
    "ParsedPrompt",
    "Placeholder",
    "PromptFile",
    "PromptFillError",
    "PromptLibrary",
    "SavedPrompt",
    "SearchHit",
    "StoreError",
    "StreamingWriter",
    "Variable",
    "build_messages",
    "conversation_values",
    "database_path",
    "fill",
    "fill_partial",
    "from_markdown",
    "fts_query",
    "group_by_date",
    "parse",
    "read_prompt_file",
    "snippet_html",
    "snippet_text",
    "start_conversation",
    "title_from_message",
    "to_markdown",
    "write_prompt_files",
]
