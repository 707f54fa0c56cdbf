"""Embeddings for documents: a GGUF embedding model (models.engine.EmbeddingModel) on its own thread.

Threading: an `Embedder` is not thread-safe (llama.cpp contexts are not) and is used by the one
thread that created it: in the app, the documents worker thread (desktop.documents.worker),
which embeds chunks while indexing and the user's question when the window asks; in the CLI,
the main thread. It never shares the chat engine's thread or its `Llama`: an embedding model
is a separate, small model (bge-small is 67 MB in F16) with its own context, so indexing can
run while the chat model answers, each on its own thread. `embed` checks the calling thread.

No embedding model installed is a normal state, not an error: `find_embedding_model` returns
None, the index keeps BM25 only, and `KEYWORD_ONLY_NOTICE` is what the window shows.

Models want their inputs phrased as they were trained: nomic-embed-text needs "search_query: "
and "search_document: " prefixes, bge-en-v1.5 an instruction before queries, e5 "query: " and
"passage: ". `prefixes_for` picks them from the model's name.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop.documents.errors import EmbeddingModelError
from desktop.documents.vectors import normalise
from models.engine import EmbeddingModel
from models.errors import HearthModelError, ModelFileError
from models.files import validate_model
from models.library import embedding_models, is_embedding_model

log = logging.getLogger(__name__)

KEYWORD_ONLY_NOTICE = "Keyword search only: install an embedding model for better results."
_TEXTS_PER_CALL = 32  # between calls, a cancel is noticed and queued queries are answered


@dataclass(frozen=True)
class Prefixes:
    query: str = ""
    document: str = ""


_PREFIXES = (
    ("nomic-embed", Prefixes("search_query: ", "search_document: ")),
    ("bge-", Prefixes("Represent this sentence for searching relevant passages: ", "")),
    ("mxbai-embed", Prefixes("Represent this sentence for searching relevant passages: ", "")),
    ("e5-", Prefixes("query: ", "passage: ")),
)


def prefixes_for(name: str) -> Prefixes:
    lowered = name.lower()
    return next((p for key, p in _PREFIXES if key in lowered), Prefixes())


def find_embedding_model(models_dir: Path) -> Path | None:
    """The embedding model to index with: the first one installed, or None (keyword search only)."""
    models = embedding_models(models_dir)
    return models[0].path if models else None


class Embedder:
    """One embedding model, loaded; `embed` returns L2-normalised float32 rows."""

    def __init__(self, path: str | Path, threads: int | None = None, gpu: bool | None = None) -> None:
        try:
            info = validate_model(path)
        except ModelFileError as exc:
            raise EmbeddingModelError(str(exc)) from exc
        if not is_embedding_model(info):
            raise EmbeddingModelError(f"{info.path.name} is not an embedding model ({info.architecture}).")
        self.path = info.path
        self.name = info.name
        # Identifies the vectors' space: another model, or another quantization of it, makes others.
        self.model_id = f"{info.path.name}:{info.file_size}"
        self.prefixes = prefixes_for(f"{info.name} {info.path.name}")
        try:
            self._model = EmbeddingModel(info, threads, gpu)
        except ModelFileError as exc:
            raise EmbeddingModelError(f"llama.cpp could not load {info.path.name} ({exc.reason}).") from exc
        self.dimension = self._model.dimension
        self.max_tokens = self._model.max_tokens
        self._owner = threading.get_ident()

    def close(self) -> None:
        self._model.close()

    def embed(self, texts: Sequence[str], should_stop: Callable[[], bool] = lambda: False) -> np.ndarray:
        """(len(texts), dimension) normalised vectors. `should_stop` is asked between calls;
        when it answers True the rows not yet computed are left out (the result is shorter)."""
        if threading.get_ident() != self._owner:
            raise EmbeddingModelError("The embedding model was used from a thread other than its own.")
        rows: list[list[float]] = []
        for start in range(0, len(texts), _TEXTS_PER_CALL):
            if start and should_stop():
                break
            try:
                rows.extend(self._model.embed(texts[start : start + _TEXTS_PER_CALL]))
            except HearthModelError as exc:
                raise EmbeddingModelError(str(exc)) from exc
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return normalise(np.asarray(rows, dtype=np.float32))

    def embed_documents(self, texts: Sequence[str], should_stop: Callable[[], bool] = lambda: False) -> np.ndarray:
        return self.embed([self.prefixes.document + t for t in texts], should_stop)

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.embed([self.prefixes.query + text])[0]
        return vector


def document_text(title: str | None, heading: str | None, text: str) -> str:
    """What is embedded for a chunk: its document's title and heading give a short chunk its topic."""
    context = " › ".join(part for part in (title, heading) if part)
    return f"{context}\n\n{text}" if context else text
