"""The OpenAI wire format: request and response bodies as typed values, and the error body.

Plain Python, no HTTP and no engine: Hearth's local server (desktop.server) parses requests and
writes responses with it, and a client of other OpenAI-compatible servers (models.remote) writes requests with the same
shapes and reads the answers with `models.wire.stream`.
"""

from models.wire.errors import WireError
from models.wire.fields import Fields, parse_json
from models.wire.requests import (
    COMPLETIONS_DEFAULT_MAX_TOKENS,
    MAX_EMBEDDING_INPUTS,
    MAX_STOP_STRINGS,
    ChatMessage,
    ChatRequest,
    CompletionRequest,
    EmbeddingRequest,
    EncodingFormat,
    Role,
    Sampling,
    parse_chat_request,
    parse_completion_request,
    parse_embedding_request,
)
from models.wire.responses import (
    DONE,
    JSON,
    FinishReason,
    Head,
    Usage,
    chat_chunk,
    chat_completion,
    chat_usage_chunk,
    dumps,
    embedding_list,
    model_list,
    sse,
    text_completion,
    text_usage_chunk,
)
from models.wire.stream import (
    DONE_DATA,
    EventDecoder,
    ListedModel,
    MalformedStreamError,
    Piece,
    read_chunk,
    read_error,
    read_model_list,
)

__all__ = [
    "COMPLETIONS_DEFAULT_MAX_TOKENS",
    "DONE",
    "DONE_DATA",
    "JSON",
    "MAX_EMBEDDING_INPUTS",
    "MAX_STOP_STRINGS",
    "ChatMessage",
    "ChatRequest",
    "CompletionRequest",
    "EmbeddingRequest",
    "EncodingFormat",
    "EventDecoder",
    "Fields",
    "FinishReason",
    "Head",
    "ListedModel",
    "MalformedStreamError",
    "Piece",
    "Role",
    "Sampling",
    "Usage",
    "WireError",
    "chat_chunk",
    "chat_completion",
    "chat_usage_chunk",
    "dumps",
    "embedding_list",
    "model_list",
    "parse_chat_request",
    "parse_completion_request",
    "parse_embedding_request",
    "parse_json",
    "read_chunk",
    "read_error",
    "read_model_list",
    "sse",
    "text_completion",
    "text_usage_chunk",
]
