"""The llama.cpp half of document embeddings: a GGUF embedding model on its own context.

An `EmbeddingModel` is not thread-safe (llama.cpp contexts are not): one thread uses it. It never
shares the chat engine's context: an embedding model is a separate, small model with its own
context, so indexing can run while the chat model answers, each on its own thread. What to embed
(prefixes, titles) and normalising the vectors is the documents package's business.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

import llama_cpp

from models.engine import cpu_kernels, hardware, llama_log
from models.errors import HearthModelError, ModelFileError
from models.files import GGUFInfo

# Tokens per sequence: every supported model reads at least 512; more costs memory for nothing
# because document chunks are about 256 tokens.
MAX_SEQUENCE_TOKENS = 512
# Tokens per llama_decode. An encoder's attention spans the whole micro-batch (other sequences
# masked out), so its cost grows with the square of the batch: 512 was the fastest of
# 256/512/1,024 here (10.3/11.7/10.0 chunks/s of about 220 tokens, all-MiniLM-L6, one thread).
BATCH_TOKENS = 512

T = TypeVar("T")


class EmbeddingModel:
    """One embedding model, loaded; `embed` returns its raw (not normalised) vectors."""

    def __init__(self, info: GGUFInfo, threads: int | None = None, gpu: bool | None = None) -> None:
        trained = info.context_length or MAX_SEQUENCE_TOKENS
        self.max_tokens = min(trained, MAX_SEQUENCE_TOKENS)
        # All physical cores by default: the documents worker lowers it while a chat answers
        # (set_threads), when the cores are the chat's.
        threads = threads or hardware.physical_cores()
        self.threads = threads
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
                raise ModelFileError(info.path, f"llama.cpp could not load it ({reason})") from exc
        self.dimension = int(self._llm.n_embd())

    def close(self) -> None:
        self._llm.close()

    def set_threads(self, threads: int) -> None:
        """Threads for the next texts (llama.cpp takes a new count between decodes)."""
        if threads != self.threads:
            self._llm._ctx.set_n_threads(threads, threads)
            self.threads = threads

    def tokenize(self, text: str) -> list[int]:
        """The token ids the model reads for `text`, with its begin and end markers."""
        tokens: list[int] = self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
        return tokens

    def fit(self, text: str) -> str:
        """The text, cut to the model's window (llama-cpp-python's own cut would drop the [SEP] token)."""
        tokens = self.tokenize(text)
        if len(tokens) <= self.max_tokens:
            return text
        # Leave room for the begin and end markers the tokenizer adds around the kept tokens.
        kept = tokens[1 : self.max_tokens - 1]
        return self._llm.detokenize(kept).decode("utf-8", errors="ignore")

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text (each cut to the model's window first). Raises HearthModelError
        when llama.cpp fails on them."""
        batch = [self.fit(t) if t.strip() else " " for t in texts]

        def embed() -> list[list[float]]:
            vectors: list[list[float]] = self._llm.embed(batch, normalize=False, truncate=True)
            return vectors

        try:
            return embed() if self.threads == 1 else _on_a_thread_that_ends(embed)
        except (ValueError, RuntimeError) as exc:
            raise HearthModelError(f"The embedding model failed: {exc}.") from exc


def _on_a_thread_that_ends(work: Callable[[], T]) -> T:
    """`work()` on a short-lived thread, while the calling one waits (so the model is still used
    by one thread at a time).

    llama.cpp's CPU threads are OpenMP's, and OpenMP keeps a team of threads for every thread
    that ran a decode on several cores, as long as that thread lives. Once the process holds more
    of them than there are cores, OpenMP stops spinning between decodes and the chat engine's
    answers run at about a third of their speed (27 instead of 76 tok/s on 2 cores, for as long
    as the documents worker or the server's embedding thread lived). A thread that ends takes its
    team with it; starting one costs well under a millisecond a batch."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as exc:  # raised again on the waiting thread
            failure.append(exc)

    helper = threading.Thread(target=run, name="hearth-embedding-batch")
    helper.start()
    try:
        helper.join()
    except BaseException:  # Ctrl+C while waiting: the model is not freed under a decode still running
        helper.join()
        raise
    if failure:
        raise failure[0]
    return result[0]
