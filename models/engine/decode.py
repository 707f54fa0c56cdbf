"""The decode loop on llama.cpp's C API: one context, one reusable batch, the native sampler.

Why not `llama_cpp.Llama.generate`: it refills its whole `llama_batch` from Python for every
token, removes KV cells on every `eval`, keeps an `input_ids` array in step with the cache and
wraps sampling in Python generators; on a small model that is ~8 % of the time per token, on a
GPU far more. Here a generation step writes four fields of one batch and calls `llama_decode`;
`llama_sampler_sample` reads the logits inside llama.cpp (greedy answers: numpy reads them in
place, `greedy_choice`), so no logits are copied into Python objects.

- Prompts are evaluated in full n_batch chunks with the abort callback armed (ggml calls it
  before every graph node, a GIL round trip each: fine for a chunk, measurable for one token,
  so generation checks the cancel flag between steps instead).
- The cache keeps the longest common prefix of what it holds and the next prompt; the last
  prompt token is always evaluated again (its logits are needed, as in `Llama.generate`).
- With a `PromptLookup`, draft tokens are verified in one batch and each row is sampled in
  order until the sampler disagrees: the sampler sees the rows plain decoding would show it, so
  the output is plain decoding's exactly *when a row's logits do not depend on how the tokens
  were batched* (`Decoder.batch_invariant`, models.engine.prompt_lookup).

Not thread-safe: one thread (the engine's) uses a decoder.
"""

from __future__ import annotations

import ctypes
import time
from array import array
from collections import Counter, deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field

import llama_cpp.llama_cpp as C
import numpy as np

from models.cancel import CancelToken
from models.engine.native_model import NativeModel
from models.engine.prompt_lookup import PromptLookup
from models.families import SamplingParams

SEQ = 0  # Hearth runs one sequence per context
# `Llama`'s penalty window (its last_n_tokens_size), so repeat penalties weigh the same.
PENALTY_LAST_N = 64


class DecodeError(RuntimeError):
    """llama.cpp refused or failed a step (context full, out of memory, a failed kernel)."""


class Cancelled(Exception):
    """The cancel token was set while the prompt was being evaluated."""


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix (stops at the first difference, usually early)."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class Sampler:
    """llama.cpp's native sampler chain, built like `Llama`'s for the same parameters.

    `sample()` also *accepts* the token into the chain (penalty history): in this llama.cpp
    `llama_sampler_sample` calls `llama_sampler_accept` itself, so nobody may accept again.

    A repeat penalty alone (no frequency or presence penalty: the usual case) is applied here,
    not by llama.cpp's stage, which looks every vocabulary entry up in a hash map (0.23 ms a token
    for a 49k vocabulary, 2 % of a small model's token on a CPU) when only the last 64 tokens can
    be penalised: the penalty changes those few logits in llama.cpp's output row itself, in place,
    and the rest of the chain reads the row as it would have read the stage's output. A greedy
    answer skips the chain too: `greedy_choice` takes the argmax of the row (llama.cpp would first
    copy it into a candidate array for the whole vocabulary, 0.15 ms more)."""

    def __init__(self, params: SamplingParams, n_vocab: int) -> None:
        chain = C.llama_sampler_chain_init(C.llama_sampler_chain_default_params())
        self.ptr: C.llama_sampler_p | None = chain
        self._rows = LogitRows(n_vocab)
        repeat, frequency, presence = params.repeat_penalty, params.frequency_penalty, params.presence_penalty
        only_repeat = frequency == 0.0 and presence == 0.0
        self._penalty = RepeatPenalty(repeat, PENALTY_LAST_N) if only_repeat else None
        self._greedy = params.temperature == 0.0 and only_repeat and repeat >= 1.0

        def add(stage: C.llama_sampler_p) -> None:
            C.llama_sampler_chain_add(chain, stage)  # the chain owns its stages

        # `Llama._init_sampler`'s order. Stages that would do nothing (no penalties, top-p at
        # 1.0, min-p at 0) are left out: llama.cpp returns from them untouched anyway.
        if not only_repeat:
            # This llama.cpp's penalties take n_vocab first (upstream's do not).
            add(C.llama_sampler_init_penalties(n_vocab, PENALTY_LAST_N, repeat, frequency, presence))
        if params.temperature == 0.0:
            add(C.llama_sampler_init_greedy())
            return
        seed = C.LLAMA_DEFAULT_SEED if params.seed is None else params.seed & 0xFFFFFFFF
        if params.temperature < 0.0:  # `Llama`: sample from the model's own distribution
            add(C.llama_sampler_init_dist(seed))
            return
        add(C.llama_sampler_init_top_k(params.top_k))
        if params.top_p < 1.0:
            add(C.llama_sampler_init_top_p(params.top_p, 1))
        if params.min_p > 0.0:
            add(C.llama_sampler_init_min_p(params.min_p, 1))
        add(C.llama_sampler_init_temp(params.temperature))
        add(C.llama_sampler_init_dist(seed))

    def sample(self, ctx: C.llama_context_p, row: int = -1) -> int:
        """Choose (and accept) the token for output row `row` of the last decode (-1: the last).
        Each row is sampled once: the repeat penalty changes it."""
        penalty = self._penalty
        if penalty is None:
            return int(C.llama_sampler_sample(self.ptr, ctx, row))
        logits = self._rows.row(ctx, row)
        if self._greedy:
            token = greedy_choice(logits, penalty)
        else:
            penalty.apply(logits)
            token = int(C.llama_sampler_sample(self.ptr, ctx, row))
        penalty.accept(token)
        return token

    def close(self) -> None:
        if self.ptr is not None:
            C.llama_sampler_free(self.ptr)
            self.ptr = None


class LogitRows:
    """numpy views of llama.cpp's output rows, made once per address (llama.cpp reuses its
    output buffer from one decode to the next)."""

    def __init__(self, n_vocab: int) -> None:
        self.n_vocab = n_vocab
        self._views: dict[int, np.ndarray] = {}

    def row(self, ctx: C.llama_context_p, row: int) -> np.ndarray:
        pointer = C.llama_get_logits_ith(ctx, row)
        address = ctypes.cast(pointer, ctypes.c_void_p).value
        if not address:
            raise DecodeError(f"llama.cpp has no logits for output row {row}")
        view = self._views.get(address)
        if view is None:
            if len(self._views) > 64:  # the buffer moved (a bigger batch of outputs): start over
                self._views.clear()
            view = self._views[address] = np.ctypeslib.as_array(pointer, (self.n_vocab,))
        return view


class RepeatPenalty:
    """llama.cpp's penalties stage with only a repeat penalty, over the same window of accepted
    tokens, with the same float32 arithmetic (llama_sampler_penalties_apply/_accept)."""

    def __init__(self, penalty: float, last_n: int) -> None:
        self.penalty = np.float32(penalty)
        self.recent: deque[int] = deque(maxlen=last_n)
        self.counts: Counter[int] = Counter()

    def __contains__(self, token: int) -> bool:
        return self.penalty != 1.0 and token in self.counts

    def apply(self, logits: np.ndarray) -> None:
        """Penalise, in place, the logits (indexed by token id) of the tokens in the window."""
        if self.penalty == 1.0 or not self.counts:
            return
        ids = np.fromiter(self.counts, dtype=np.int32, count=len(self.counts))
        values = logits[ids]
        logits[ids] = np.where(values <= 0, values * self.penalty, values / self.penalty)

    def accept(self, token: int) -> None:
        if len(self.recent) == self.recent.maxlen:
            oldest = self.recent[0]
            self.counts[oldest] -= 1
            if not self.counts[oldest]:
                del self.counts[oldest]
        self.recent.append(token)
        self.counts[token] += 1


def greedy_choice(logits: np.ndarray, penalty: RepeatPenalty) -> int:
    """llama.cpp's greedy stage after a repeat penalty >= 1: the first of the largest penalised
    logits. A penalty >= 1 only lowers logits, so when the first largest raw logit is not a
    penalised token it wins after the penalty too (no earlier token can catch up) and the row is
    left alone. (A NaN logit, which only a broken model gives, is the one case where numpy's
    argmax and llama.cpp's comparison loop part ways.)"""
    token = int(logits.argmax())
    if token in penalty:
        penalty.apply(logits)
        token = int(logits.argmax())
    return token


@dataclass(frozen=True)
class ContextOptions:
    n_ctx: int = 4096
    n_batch: int = 512  # prompts are evaluated in chunks of this many tokens
    n_ubatch: int = 512  # the largest graph llama.cpp computes at once
    n_threads: int = 2  # single-token steps
    n_threads_batch: int = 2  # prompt chunks and draft verification
    flash_attn: bool = False


@dataclass
class DecodeStats:
    """What one `generate` did, timed here rather than by `llama_perf_context` (which counts
    every multi-token decode, draft verification too, as prompt evaluation)."""

    prompt_tokens: int = 0
    reused_tokens: int = 0  # prompt tokens whose KV cells were kept from before
    evaluated_tokens: int = 0  # prompt tokens evaluated (fewer than the rest when cancelled)
    prompt_seconds: float = 0.0
    generated: int = 0
    generation_seconds: float = 0.0  # first token to last: the rate a user sees
    decode_calls: int = 0  # llama_decode calls after the prompt
    drafted: int = 0
    accepted: int = 0  # draft tokens the sampler agreed with

    @property
    def prompt_tokens_per_s(self) -> float:
        return self.evaluated_tokens / self.prompt_seconds if self.prompt_seconds > 0 else 0.0

    @property
    def generation_tokens_per_s(self) -> float:
        if self.generated < 2 or self.generation_seconds <= 0:
            return 0.0
        return (self.generated - 1) / self.generation_seconds


@dataclass(frozen=True)
class SavedSequence:
    """The KV cells of the decoder's sequence and the tokens they hold (a prefix-cache entry)."""

    tokens: tuple[int, ...]
    state: bytes = field(repr=False)


class Decoder:
    """One llama.cpp context over `model` with one sequence, and the decode loop on it."""

    def __init__(self, model: NativeModel, options: ContextOptions, offloaded: bool = False) -> None:
        self.model = model
        self.options = options
        self.offloaded = offloaded  # layers run on a GPU (kernels chosen by batch size there)
        params = C.llama_context_default_params()
        params.n_ctx = options.n_ctx
        params.n_batch = min(options.n_batch, options.n_ctx)
        params.n_ubatch = min(options.n_ubatch, params.n_batch)
        params.n_seq_max = 1
        params.n_threads = options.n_threads
        params.n_threads_batch = options.n_threads_batch
        # 0.3.36: an enum (auto, off, on) replaced the `flash_attn` bool; auto is not what we chose.
        params.flash_attn_type = (
            C.LLAMA_FLASH_ATTN_TYPE_ENABLED if options.flash_attn else C.LLAMA_FLASH_ATTN_TYPE_DISABLED
        )
        params.no_perf = False
        ctx = C.llama_init_from_model(model.ptr, params)
        if not ctx:
            raise DecodeError("llama.cpp could not create a context for the model (out of memory?)")
        self.ctx: C.llama_context_p = ctx
        self.n_ctx: int = C.llama_n_ctx(ctx)
        self.n_batch: int = C.llama_n_batch(ctx)
        self.n_threads = options.n_threads
        self._memory = C.llama_get_memory(ctx)
        # One batch for the context's life; each token's sequence id never changes.
        self._batch = C.llama_batch_init(self.n_batch, 0, 1)
        for i in range(self.n_batch):
            self._batch.n_seq_id[i] = 1
            self._batch.seq_id[i][0] = SEQ
        self._tok, self._pos, self._out = self._batch.token, self._batch.pos, self._batch.logits
        self._held: list[int] = []  # the tokens whose KV cells the sequence holds, in order
        self._cancel: CancelToken | None = None
        self._abort = C.ggml_abort_callback(self._should_abort)  # referenced: llama.cpp keeps the pointer
        self._no_abort = C.ggml_abort_callback(0)
        self.stats = DecodeStats()

    def close(self) -> None:
        if self.ctx:
            C.llama_batch_free(self._batch)
            C.llama_free(self.ctx)
            self.ctx = C.llama_context_p(0)
            self._held.clear()

    # -- the KV cache -----------------------------------------------------------------------

    @property
    def held(self) -> tuple[int, ...]:
        """The tokens the KV cache holds, from position 0."""
        return tuple(self._held)

    @property
    def batch_invariant(self) -> bool:
        """Whether a row's logits can be the same however the tokens were batched: on the CPU
        with flash attention, one generation thread (with more, one token's attention over
        >= 512 cells is split across threads and merged in another order). Whether the
        model's weight types keep it is probed (models.engine.prompt_lookup.probe)."""
        return self.options.flash_attn and self.n_threads == 1 and not self.offloaded

    def set_threads(self, n_threads: int, n_threads_batch: int) -> None:
        C.llama_set_n_threads(self.ctx, n_threads, n_threads_batch)
        self.n_threads = n_threads

    def clear(self) -> None:
        C.llama_memory_clear(self._memory, True)
        self._held.clear()

    def truncate(self, n: int) -> bool:
        """Keep the first `n` held tokens. False when the memory cannot drop a partial range."""
        if n >= len(self._held):
            return True
        if not C.llama_memory_seq_rm(self._memory, SEQ, n, -1):
            return False
        del self._held[n:]
        return True

    def reuse_prefix(self, prompt: Sequence[int]) -> int:
        """Keep the longest held prefix of `prompt` (but not its last token), drop the rest."""
        keep = min(common_prefix(self._held, prompt), len(prompt) - 1)
        if not self.truncate(keep):
            self.clear()
            keep = 0
        return keep

    def save(self) -> SavedSequence:
        """The sequence's KV cells (`llama_state_seq_get_data`: no logits buffer, unlike
        `Llama.save_state`, which copies n_batch x n_vocab floats every time)."""
        size = C.llama_state_seq_get_size(self.ctx, SEQ)
        buffer = (ctypes.c_uint8 * size)()
        written = C.llama_state_seq_get_data(self.ctx, buffer, size, SEQ)
        return SavedSequence(tuple(self._held), bytes(memoryview(buffer)[:written]))

    def restore(self, saved: SavedSequence) -> bool:
        """Put saved cells back (no logits needed: a prompt's last token is always evaluated).
        False, with an empty cache, when llama.cpp refuses them."""
        self.clear()
        buffer = (ctypes.c_uint8 * len(saved.state)).from_buffer_copy(saved.state)
        if C.llama_state_seq_set_data(self.ctx, buffer, len(saved.state), SEQ) == 0:
            self.clear()
            return False
        self._held[:] = saved.tokens
        return True

    # -- decoding ---------------------------------------------------------------------------

    def _should_abort(self, _data: ctypes.c_void_p) -> bool:
        return self._cancel is not None and self._cancel.cancelled

    def _fill(self, tokens: Sequence[int], start: int, all_logits: bool) -> None:
        n = len(tokens)
        ids = array("i", tokens)
        positions = array("i", range(start, start + n))
        ctypes.memmove(self._tok, ids.buffer_info()[0], 4 * n)
        ctypes.memmove(self._pos, positions.buffer_info()[0], 4 * n)
        ctypes.memset(self._out, 1 if all_logits else 0, n)
        self._out[n - 1] = 1
        self._batch.n_tokens = n

    def _decode(self) -> None:
        rc = C.llama_decode(self.ctx, self._batch)
        if rc == 0:
            return
        # A failed or aborted decode keeps the ubatches before the failing one: ask the memory.
        kept = C.llama_memory_seq_pos_max(self._memory, SEQ) + 1
        del self._held[max(0, kept) :]
        if rc == 2:
            raise Cancelled()
        if rc == 1:
            raise DecodeError("llama.cpp found no room in the context for the next tokens")
        raise DecodeError(f"llama.cpp failed to evaluate the tokens (llama_decode returned {rc})")

    def evaluate(self, tokens: Sequence[int], cancel: CancelToken | None = None, all_logits: bool = False) -> None:
        """Append `tokens` in n_batch chunks, logits for the last one (every one with
        `all_logits`, when they fit one chunk). Raises Cancelled between or inside chunks."""
        if len(self._held) + len(tokens) > self.n_ctx:
            raise DecodeError(f"{len(self._held) + len(tokens)} tokens do not fit the context of {self.n_ctx}")
        if cancel is not None:
            self._cancel = cancel
            C.llama_set_abort_callback(self.ctx, self._abort, None)
        try:
            for i in range(0, len(tokens), self.n_batch):
                if cancel is not None and cancel.cancelled:
                    raise Cancelled()
                chunk = tokens[i : i + self.n_batch]
                self._fill(chunk, len(self._held), all_logits)
                self._decode()
                self._held.extend(chunk)
        finally:
            if cancel is not None:
                C.llama_set_abort_callback(self.ctx, self._no_abort, None)
                self._cancel = None

    def logits(self, row: int) -> list[float]:
        """One output row of the last decode (for checks; generation never copies logits)."""
        data = C.llama_get_logits_ith(self.ctx, row)
        return list(data[: self.model.n_vocab])

    def _step(self, token: int) -> None:
        """Decode one token at the next position; the batch's other fields stay as they are."""
        self._tok[0] = token
        self._pos[0] = len(self._held)
        self._out[0] = 1
        self._batch.n_tokens = 1
        self._decode()
        self._held.append(token)

    def _verify(self, pending: int, draft: list[int], sampler: Sampler) -> list[int]:
        """Decode `pending` and the draft in one batch and sample each row in order until the
        sampler disagrees: the tokens plain decoding would have produced. Only the KV cells of
        accepted tokens stay; the last token returned is the next pending one."""
        base = len(self._held)
        self._fill([pending, *draft], base, all_logits=True)
        self._decode()
        self._held.append(pending)
        self._held.extend(draft)
        out: list[int] = []
        for i in range(len(draft) + 1):
            token = sampler.sample(self.ctx, i)
            out.append(token)
            if i == len(draft) or token != draft[i] or self.model.is_eog(token):
                break
        if not self.truncate(base + len(out)):
            raise DecodeError("llama.cpp could not take back rejected draft tokens")
        return out

    def generate(
        self,
        prompt: Sequence[int],
        sampler: Sampler,
        max_tokens: int,
        cancel: CancelToken | None = None,
        lookup: PromptLookup | None = None,
    ) -> Generator[int, None, None]:
        """Yield the answer's token ids, the end-of-generation token included, at most
        `max_tokens` of them. The caller may stop early by closing the generator: the cache is
        consistent at every yield, holding the prompt and every yielded token but the last.
        Raises Cancelled when cancelled during the prompt; after it, a cancel ends the stream."""
        if not prompt:
            raise ValueError("empty prompt")
        stats = self.stats = DecodeStats(prompt_tokens=len(prompt))
        started = time.perf_counter()
        stats.reused_tokens = self.reuse_prefix(prompt)
        try:
            self.evaluate(prompt[stats.reused_tokens :], cancel)
        finally:
            stats.evaluated_tokens = max(0, len(self._held) - stats.reused_tokens)
            stats.prompt_seconds = time.perf_counter() - started
        first_at = time.perf_counter()
        token = sampler.sample(self.ctx, -1)
        if lookup is not None:
            lookup.start(prompt)
            lookup.push(token)
        stats.generated = 1
        yield token
        while stats.generated < max_tokens and not self.model.is_eog(token):
            if cancel is not None and cancel.cancelled:
                return
            # A verified draft adds up to len(draft) + 1 tokens: never past the limit.
            draft = lookup.draft(max_tokens - stats.generated - 1) if lookup is not None else []
            stats.decode_calls += 1
            if draft and lookup is not None:
                out = self._verify(token, draft, sampler)
                stats.drafted += len(draft)
                stats.accepted += len(out) - 1
                lookup.accepted(len(draft), len(out) - 1)
            else:
                self._step(token)
                out = [sampler.sample(self.ctx, -1)]
            for token in out:
                if lookup is not None:
                    lookup.push(token)
                stats.generated += 1
                stats.generation_seconds = time.perf_counter() - first_at
                yield token
