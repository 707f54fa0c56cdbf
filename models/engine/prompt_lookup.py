"""Prompt-lookup decoding: draft the next tokens from the text already there, verify in one batch.

Answers that quote their context (document answers, summaries, code edits) repeat runs of the
prompt's tokens: after the first tokens of a quotation the rest is likely to follow. Drafts are
found by looking up the latest n-gram of the text earlier in it (no second model), and the
decoder verifies a draft in one batch, keeping what the sampler itself would have chosen.

Exactness: the output is plain decoding's token for token only when a row's logits do not
depend on how the tokens before it were batched. On llama.cpp's CPU backend that takes flash
attention (without it, attention multiplies batches with tinyBLAS and single tokens with
vec_dot), one generation thread (with more, one token's attention over >= 512 cells is split
across threads and merged in another order), verify batches under 64 rows (flash attention's
tiled kernel starts there), and weight types whose batched matrix products sum like single
rows do (Q8_0, Q4_0, F16 weights take tinyBLAS for batches; K-quants and Q4_1 do not). The
first two are settings (`Decoder.batch_invariant`); the weights are probed (`probe`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.engine.decode import Decoder

log = logging.getLogger(__name__)

# From 64 query rows on, the CPU's flash attention takes its tiled kernel (GGML_FA_TILE_Q).
MAX_VERIFY_ROWS = 63
# A short text whose tokens the probe evaluates both ways.
_PROBE_TEXT = "The river flows past the old mill, under two bridges and into the sea at dawn."
_PROBE_ROWS = 4
# A newest message this long is taken for a source the answer will quote.
MIN_SOURCE_TOKENS = 256


def wanted(setting: bool | None, quotes_sources: bool | None, newest_message_tokens: Callable[[], int]) -> bool:
    """Whether an answer should use prompt lookup (where exact): `setting` is
    EngineSettings.prompt_lookup; None means for answers that quote their prompt, as the caller
    says (`quotes_sources`) or, when it does not, when the newest message is long enough to be a
    source (documents above a question, pasted text or code)."""
    if setting is not None:
        return setting
    if quotes_sources is not None:
        return quotes_sources
    return newest_message_tokens() >= MIN_SOURCE_TOKENS


class PromptLookup:
    """Drafts by finding the latest n-gram of the prompt + answer earlier in it.

    Each n-gram size keeps a dict from n-gram to where its latest continuation starts, updated
    as tokens arrive, so drafting never rescans the prompt; the longest matching n-gram wins.
    The draft length adapts: it halves when the sampler rejects a draft's first token and
    doubles when it takes the whole draft, because on a CPU a verify batch of n + 1 rows costs
    roughly 1 + n/2 single steps (a small model is compute-bound) and must earn that back."""

    def __init__(self, max_draft: int = 4, max_ngram: int = 3, min_ngram: int = 2) -> None:
        self.max_draft = max(1, min(max_draft, MAX_VERIFY_ROWS - 1))
        self.sizes = tuple(range(max_ngram, min_ngram - 1, -1))
        self._length = self.max_draft
        self._history: list[int] = []
        self._index: dict[int, dict[tuple[int, ...], int]] = {n: {} for n in self.sizes}

    def start(self, tokens: Sequence[int]) -> None:
        self._length = self.max_draft
        self._history = []
        self._index = {n: {} for n in self.sizes}
        for token in tokens:
            self.push(token)

    def push(self, token: int) -> None:
        history = self._history
        end = len(history)  # the n-grams ending just before `token` continue with it
        history.append(token)
        for n in self.sizes:
            if end >= n:
                self._index[n][tuple(history[end - n : end])] = end

    def draft(self, limit: int) -> list[int]:
        limit = min(limit, self._length)
        if limit <= 0:
            return []
        history = self._history
        for n in self.sizes:
            if len(history) > n:
                start = self._index[n].get(tuple(history[-n:]))
                if start is not None:
                    return history[start : start + limit]
        return []

    def accepted(self, drafted: int, taken: int) -> None:
        if taken == 0:
            self._length = max(1, self._length // 2)
        elif taken == drafted:
            self._length = min(self.max_draft, self._length * 2)


def exact_here(decoder: Decoder) -> bool:
    """Whether prompt lookup reproduces plain decoding on `decoder`: its settings allow it (on
    one generation thread) and the model passes the probe. Clears the decoder's cache."""
    if decoder.offloaded or not decoder.options.flash_attn or not decoder.model.partial_removal:
        return False
    threads, batch_threads = decoder.n_threads, decoder.options.n_threads_batch
    decoder.set_threads(1, batch_threads)
    try:
        return decoder.batch_invariant and probe(decoder)
    finally:
        decoder.set_threads(threads, batch_threads)


def probe(decoder: Decoder) -> bool:
    """Whether this model's logits come out bit-identical from single steps and from one batch
    on `decoder`'s kernels. Clears the decoder's cache; run it before anything is evaluated."""
    tokens = decoder.model.tokenize(_PROBE_TEXT, add_special=True, parse_special=False)
    head, rows = tokens[: -_PROBE_ROWS], tokens[-_PROBE_ROWS:]
    if not head:
        return False
    decoder.clear()
    try:
        decoder.evaluate(head)
        stepped = []
        for token in rows:
            decoder.evaluate([token])
            stepped.append(decoder.logits(-1))
        decoder.truncate(len(head))
        decoder.evaluate(rows, all_logits=True)
        batched = [decoder.logits(i) for i in range(len(rows))]
    finally:
        decoder.clear()
    same = stepped == batched
    if not same:
        log.info("Prompt lookup stays off: this model's logits depend on how tokens are batched here")
    return same
