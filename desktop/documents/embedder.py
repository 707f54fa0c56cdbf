"""Embeddings with llama.cpp: a GGUF embedding model on its own `Llama(embedding=True)` instance.

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
from models import cpu_kernels, hardware, llama_log
from models.embedding_models import embedding_models, is_embedding_model
from models.errors import ModelFileError
from models.gguf_file import validate_model

log = logging.getLogger(__name__)

KEYWORD_ONLY_NOTICE = "Keyword search only: install an embedding model for better results."
# Tokens per sequence: every supported model reads at least 512; more costs memory for nothing
# because chunks are about 256 tokens (desktop.documents.chunking).
MAX_SEQUENCE_TOKENS = 512
# Tokens per llama_decode. An encoder's attention spans the whole micro-batch (other sequences
# masked out), so its cost grows with the square of the batch: 512 was the fastest of
# 256/512/1,024 here (10.3/11.7/10.0 chunks/s of about 220 tokens, all-MiniLM-L6, one thread).
BATCH_TOKENS = 512
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
        import llama_cpp

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
        trained = info.context_length or MAX_SEQUENCE_TOKENS
        self.max_tokens = min(trained, MAX_SEQUENCE_TOKENS)
        # One core is left to the window and the chat engine: indexing is background work, and
        # ggml's threads spin at every barrier, so a thread that shares a core with the chat
        # engine slows both (on 2 busy cores, 1 thread embedded faster than 2).
        threads = threads or max(1, hardware.physical_cores() - 1)
        offload = hardware.supports_gpu_offload() if gpu is None else gpu
        with llama_log.capture() as lines, cpu_kernels.model_params():
            try:
                self._llm = llama_cpp.Llama(
                    str(info.path),
                    embedding=True,
                    n_ctx=max(BATCH_TOKENS, self.max_tokens),
                    # Encoders attend both ways: a sequence must fit one micro-batch whole.
                    n_batch=max(BATCH_TOKENS, self.max_tokens),
                    n_ubatch=max(BATCH_TOKENS, self.max_tokens),
                    n_threads=threads,
                    n_threads_batch=threads,
                    n_gpu_layers=-1 if offload else 0,
                    flash_attn=True,  # about twice as fast on CPU for encoders (4.7 vs 2.5 chunks/s here)
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                reason = llama_log.failure_reason(lines) or str(exc)
                raise EmbeddingModelError(f"llama.cpp could not load {info.path.name} ({reason}).") from exc
        self.dimension = int(self._llm.n_embd())
        self._owner = threading.get_ident()

    def close(self) -> None:
        self._llm.close()

    def _fit(self, text: str) -> str:
        """The text, cut to the model's window (llama-cpp-python's own cut would drop the [SEP] token)."""
        tokens = self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
        if len(tokens) <= self.max_tokens:
            return text
        # Leave room for the begin and end markers the tokenizer adds around the kept tokens.
        kept = tokens[1 : self.max_tokens - 1]
        return self._llm.detokenize(kept).decode("utf-8", errors="ignore")

    def embed(self, texts: Sequence[str], should_stop: Callable[[], bool] = lambda: False) -> np.ndarray:
        """(len(texts), dimension) normalised vectors. `should_stop` is asked between calls;
        when it answers True the rows not yet computed are left out (the result is shorter)."""
        if threading.get_ident() != self._owner:
            raise EmbeddingModelError("The embedding model was used from a thread other than its own.")
        rows: list[list[float]] = []
        for start in range(0, len(texts), _TEXTS_PER_CALL):
            if start and should_stop():
                break
            batch = [self._fit(t) if t.strip() else " " for t in texts[start : start + _TEXTS_PER_CALL]]
            try:
                rows.extend(self._llm.embed(batch, normalize=False, truncate=True))
            except (ValueError, RuntimeError) as exc:
                raise EmbeddingModelError(f"The embedding model failed: {exc}.") from exc
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
