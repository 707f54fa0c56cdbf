"""The llama.cpp half of document embeddings: a GGUF embedding model on its own context.

An `EmbeddingModel` is not thread-safe (llama.cpp contexts are not): one thread uses it. It never
shares the chat engine's context: an embedding model is a separate, small model with its own
context, so indexing can run while the chat model answers, each on its own thread. What to embed
(prefixes, titles) and normalising the vectors is the documents package's business.

Like the chat engine's decode loop (models/engine/decode.py) it drives llama.cpp's C API: one
passage per `llama_decode`, the pooled vector read with `llama_get_embeddings_seq`. One passage
per decode is the fastest way on a CPU (an encoder's attention spans the whole micro-batch, other
sequences masked out, so packing several costs more: 11 against 16 passages/s at 512 tokens,
all-MiniLM-L6, 2 cores), and it lets indexing stop between two passages of a batch when a chat
starts answering (`keep_going`).
"""

from __future__ import annotations

import ctypes
import threading
from array import array
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import llama_cpp.llama_cpp as C

from models.engine import cpu_kernels, hardware, llama_log
from models.engine.native_model import NativeLoadError, NativeModel
from models.errors import HearthModelError, ModelFileError
from models.files import GGUFInfo

# Tokens per passage: every supported model reads at least 512; more costs memory for nothing
# because document chunks are about 256 tokens.
MAX_SEQUENCE_TOKENS = 512
SEQ = 0

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
        extra_buffers = cpu_kernels.kernel_choice().extra_buffers
        with llama_log.capture() as lines:
            try:
                self._model = NativeModel(info.path, -1 if offload else 0, extra_buffers)
            except NativeLoadError as exc:
                reason = llama_log.failure_reason(lines) or str(exc)
                raise ModelFileError(info.path, f"llama.cpp could not load it ({reason})") from exc
            params = C.llama_context_default_params()
            params.embeddings = True
            # Encoders attend both ways: a passage must fit one micro-batch whole.
            params.n_ctx = params.n_batch = params.n_ubatch = self.max_tokens
            params.n_seq_max = 1
            params.n_threads = params.n_threads_batch = threads
            # About twice as fast on CPU for encoders (4.7 vs 2.5 passages/s measured here).
            params.flash_attn_type = C.LLAMA_FLASH_ATTN_TYPE_ENABLED
            ctx = C.llama_init_from_model(self._model.ptr, params)
            if not ctx:
                self._model.close()
                reason = llama_log.failure_reason(lines) or "no context"
                raise ModelFileError(info.path, f"llama.cpp could not load it ({reason})")
        if C.llama_pooling_type(ctx) == C.LLAMA_POOLING_TYPE_NONE:
            C.llama_free(ctx)
            self._model.close()
            raise ModelFileError(info.path, "it does not say how to pool its token vectors into one vector")
        self._ctx: C.llama_context_p = ctx
        self._batches = BatchThread()
        self.dimension = int(C.llama_model_n_embd(self._model.ptr))
        self._memory = C.llama_get_memory(ctx)
        self._batch = C.llama_batch_init(self.max_tokens, 0, 1)
        for i in range(self.max_tokens):
            self._batch.n_seq_id[i] = 1
            self._batch.seq_id[i][0] = SEQ
            self._batch.pos[i] = i
            self._batch.logits[i] = 1  # a pooled vector reads every token's output
        # What the tokenizer puts around a text ([CLS] ... [SEP] for BERT): a cut keeps the end one.
        self._end_marker = self._model.tokenize("", add_special=True, parse_special=False)[1:][-1:]

    def close(self) -> None:
        self._batches.release()
        if self._ctx:
            C.llama_batch_free(self._batch)
            C.llama_free(self._ctx)
            self._ctx = C.llama_context_p(0)
        self._model.close()

    def set_threads(self, threads: int) -> None:
        """Threads for the next texts (llama.cpp takes a new count between decodes)."""
        if threads != self.threads:
            C.llama_set_n_threads(self._ctx, threads, threads)
            self.threads = threads

    def tokenize(self, text: str) -> list[int]:
        """The token ids the model reads for `text` (cut to its window), with its begin and end markers."""
        tokens = self._model.tokenize(text, add_special=True, parse_special=False)
        if len(tokens) <= self.max_tokens:
            return tokens
        end = self._end_marker if tokens[-1:] == self._end_marker else []
        return tokens[: self.max_tokens - len(end)] + end

    def embed(self, texts: Sequence[str], keep_going: Callable[[], bool] = lambda: True) -> list[list[float]]:
        """One vector per text (each cut to the model's window first), in order; `keep_going` is
        asked between two texts, and when it says no the rest are left out (a shorter list).
        Raises HearthModelError when llama.cpp fails on them."""
        try:
            token_lists = [self.tokenize(t if t.strip() else " ") for t in texts]
        except ValueError as exc:  # llama.cpp could not tokenize a text
            raise HearthModelError(f"The embedding model failed: {exc}.") from exc

        def embed() -> list[list[float]]:
            vectors = []
            for i, tokens in enumerate(token_lists):
                if i and not keep_going():
                    break
                vectors.append(self._embed_one(tokens))
            return vectors

        return embed() if self.threads == 1 else self._batches.run(embed)

    def release_threads(self) -> None:
        """Let the cores go now: the thread that embeds on several cores ends (a chat is about to
        answer, or the model is closing)."""
        self._batches.release()

    def _embed_one(self, tokens: list[int]) -> list[float]:
        n = len(tokens)
        C.llama_memory_clear(self._memory, True)
        ids = array("i", tokens)
        ctypes.memmove(self._batch.token, ids.buffer_info()[0], 4 * n)
        self._batch.n_tokens = n
        rc = C.llama_decode(self._ctx, self._batch)
        if rc != 0:
            raise HearthModelError(f"The embedding model failed: llama_decode returned {rc}.")
        vector = C.llama_get_embeddings_seq(self._ctx, SEQ)
        if not vector:
            raise HearthModelError("The embedding model failed: llama.cpp returned no vector.")
        values: list[float] = vector[: self.dimension]
        return values


class BatchThread:
    """Runs a model's batches on several cores on a thread of their own, which ends once no batch
    has come for `idle_s` seconds, or at `release()`. The calling thread waits for each batch, so
    the model is still used by one thread at a time.

    llama.cpp's CPU threads are OpenMP's, and OpenMP keeps a team of threads for every thread
    that ran a decode on several cores, as long as that thread lives. Once the process holds more
    of them than there are cores, OpenMP stops spinning between decodes and the chat engine's
    answers run at about a third of their speed (27 instead of 76 tok/s on 2 cores, for as long
    as the documents worker or the server's embedding thread lived). A thread that ends takes its
    team with it. Starting a thread (and its team) for every batch cost a quarter of the speed
    when every file is a passage or two (24 vs 32 passages/s), so the thread stays while batches
    keep coming; whoever knows the cores are wanted elsewhere (a chat answering) releases it."""

    def __init__(self, idle_s: float = 0.5) -> None:
        self.idle_s = idle_s
        self._cond = threading.Condition()
        self._job: _Job[Any] | None = None
        self._thread: threading.Thread | None = None
        self._leave = False

    def run(self, work: Callable[[], T]) -> T:
        job: _Job[T] = _Job(work)
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="hearth-embedding-batches", daemon=True)
                self._thread.start()
            self._job = job
            self._cond.notify()
        job.wait()
        return job.result()

    def release(self) -> None:
        """End the thread now (its OpenMP team goes with it); the next batch starts another."""
        with self._cond:
            thread, self._leave = self._thread, True
            self._cond.notify()
        if thread is not None:
            thread.join()
        with self._cond:
            self._leave = False

    def _serve(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._job is not None or self._leave, timeout=self.idle_s)
                job, self._job = self._job, None
                if job is None:  # idle for idle_s, or released: leave (run() starts another)
                    self._thread = None
                    return
            job.run()


class _Job(Generic[T]):
    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        self.done = threading.Event()
        self.value: list[T] = []  # the result, once run() has it
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            self.value.append(self.work())
        except BaseException as exc:  # raised again on the waiting thread
            self.failure = exc
        finally:
            self.done.set()

    def wait(self) -> None:
        try:
            self.done.wait()
        except BaseException:  # Ctrl+C while waiting: the model is not freed under a decode still running
            self.done.wait()
            raise

    def result(self) -> T:
        if self.failure is not None:
            raise self.failure
        return self.value[0]
