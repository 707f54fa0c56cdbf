"""Private documents: on-device ingestion, chunking, a SQLite index (FTS5 + vectors), hybrid
retrieval and grounded prompts with citations. Qt-free (an import-linter contract keeps it so).

For the window:
- `DocumentWorker` (worker.py): the one low-priority thread that indexes and embeds. `add`,
  `add_to_conversation`, `sync` take paths and callbacks (`on_progress(IndexProgress)`,
  `on_file(FileResult)`, `on_done(IndexReport)`, `on_error(str)`), return a `JobHandle` to
  cancel; `retrieve(question, collection_ids, on_done(Retrieval), on_error)` answers ahead of
  indexing; `call(fn(index), ...)` runs index reads and edits on the same thread;
  `embedding_state(...)` says whether search is hybrid or keyword-only (`KEYWORD_ONLY_NOTICE`).
- `DocumentIndex` (store.py): collections (named ones for the sidebar, a private one per
  conversation for dropped files), their files with status and failure reason, attachments of
  collections to conversations. One instance per thread.
- `build_grounded_messages` (prompt.py): engine messages and the `Citation` list under the answer.
"""

from desktop.documents.chat import GroundedChat, format_citations, grounded_chat, grounded_chat_messages
from desktop.documents.chunking import ChunkSettings, chunk_document, chunk_sections, estimate_tokens
from desktop.documents.database import DATABASE_NAME, database_path
from desktop.documents.embedder import KEYWORD_ONLY_NOTICE, Embedder, find_embedding_model
from desktop.documents.errors import (
    CollectionNotFoundError,
    DamagedDocumentError,
    DocumentError,
    DocumentTooLargeError,
    EmbeddingModelError,
    EmptyDocumentError,
    EncodingError,
    EncryptedDocumentError,
    IndexStoreError,
    UnsupportedFormatError,
)
from desktop.documents.grounding import DocumentGrounding
from desktop.documents.indexing import IndexOptions, IndexRun, index_paths, sync_collection
from desktop.documents.parsers import SUPPORTED_SUFFIXES, parse
from desktop.documents.prompt import GROUNDING_INSTRUCTIONS, build_grounded_messages, snippet
from desktop.documents.retrieval import Retriever, reciprocal_rank_fusion
from desktop.documents.scanning import normalise_root
from desktop.documents.store import DocumentIndex
from desktop.documents.types import (
    Chunk,
    Citation,
    Collection,
    FileResult,
    IndexedFile,
    IndexProgress,
    IndexReport,
    ParsedDocument,
    RetrievedChunk,
    Section,
)
from desktop.documents.worker import DocumentWorker, EmbeddingState, JobHandle, Retrieval

__all__ = [
    "DATABASE_NAME",
    "GROUNDING_INSTRUCTIONS",
    "KEYWORD_ONLY_NOTICE",
    "SUPPORTED_SUFFIXES",
    "Chunk",
    "ChunkSettings",
    "Citation",
    "Collection",
    "CollectionNotFoundError",
    "DamagedDocumentError",
    "DocumentError",
    "DocumentGrounding",
    "DocumentIndex",
    "DocumentTooLargeError",
    "DocumentWorker",
    "Embedder",
    "EmbeddingModelError",
    "EmbeddingState",
    "EmptyDocumentError",
    "EncodingError",
    "EncryptedDocumentError",
    "FileResult",
    "GroundedChat",
    "IndexOptions",
    "IndexProgress",
    "IndexReport",
    "IndexRun",
    "IndexStoreError",
    "IndexedFile",
    "JobHandle",
    "ParsedDocument",
    "Retrieval",
    "RetrievedChunk",
    "Retriever",
    "Section",
    "UnsupportedFormatError",
    "build_grounded_messages",
    "chunk_document",
    "chunk_sections",
    "database_path",
    "estimate_tokens",
    "find_embedding_model",
    "format_citations",
    "grounded_chat",
    "grounded_chat_messages",
    "index_paths",
    "normalise_root",
    "parse",
    "reciprocal_rank_fusion",
    "snippet",
    "sync_collection",
]
