"""Keep the evaluated prompt of each conversation, so switching back to one costs nothing.

llama.cpp reuses the evaluated prefix of the previous prompt on its own; the trouble is
switching: conversation B overwrites A's evaluated tokens, and returning to A would evaluate
its whole history again. Before a prompt that shares little with what the context holds,
the context's sequence is saved here (its KV cells, keyed by the tokens they hold); the
saved state that shares the longest prefix with the new prompt is put back instead.

`Llama.save_state` is not used: it also copies a logits array of n_batch x n_vocab floats
(100 MB for a 49k vocabulary) on every save. The sequence API copies only the KV cells.
"""

from __future__ import annotations

import ctypes
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import llama_cpp
import numpy as np

log = logging.getLogger(__name__)

_SEQ = 0  # Hearth runs one sequence per context
# A state is worth saving before it is overwritten when this many evaluated tokens would go.
MIN_SAVED_TOKENS = 64


@dataclass(frozen=True)
class _Saved:
    tokens: tuple[int, ...]
    state: bytes


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    if n == 0:
        return 0
    left = np.asarray(a[:n], dtype=np.intc)
    right = np.asarray(b[:n], dtype=np.intc)
    mismatch = np.flatnonzero(left != right)
    return int(mismatch[0]) if mismatch.size else n


class PrefixCache:
    """LRU of saved sequence states for one `llama_cpp.Llama`, bounded in bytes."""

    def __init__(self, capacity_bytes: int) -> None:
        self.capacity_bytes = capacity_bytes
        self._entries: OrderedDict[tuple[int, ...], _Saved] = OrderedDict()

    @property
    def size_bytes(self) -> int:
        return sum(len(e.state) for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def prepare(self, llm: llama_cpp.Llama, prompt: Sequence[int]) -> int:
        """Make `llm` hold the best available prefix of `prompt`; return its length."""
        held = tuple(int(t) for t in llm.input_ids[: llm.n_tokens])
        current = common_prefix(held, prompt)
        best_key, best = None, current
        for key in self._entries:
            shared = common_prefix(key, prompt)
            if shared > best:
                best_key, best = key, shared
        if len(held) - current >= MIN_SAVED_TOKENS:
            # Another conversation (or an edit) is about to overwrite this one: keep it.
            self._save(llm, held)
        if best_key is None:
            return current
        self._restore(llm, self._entries[best_key])
        self._entries.move_to_end(best_key)
        return best

    def _save(self, llm: llama_cpp.Llama, held: tuple[int, ...]) -> None:
        if not held or held in self._entries:
            return
        size = llama_cpp.llama_state_seq_get_size(llm.ctx, _SEQ)
        if size > self.capacity_bytes:
            return
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(llm.ctx, buffer, size, _SEQ)
        # Anything that is a prefix of the new entry is redundant now.
        for key in [k for k in self._entries if k == held[: len(k)]]:
            del self._entries[key]
        self._entries[held] = _Saved(held, bytes(buffer)[:written])
        while self.size_bytes > self.capacity_bytes:
            self._entries.popitem(last=False)

    def _restore(self, llm: llama_cpp.Llama, saved: _Saved) -> None:
        llm._ctx.kv_cache_clear()
        buffer = (ctypes.c_uint8 * len(saved.state)).from_buffer_copy(saved.state)
        if llama_cpp.llama_state_seq_set_data(llm.ctx, buffer, len(saved.state), _SEQ) == 0:
            log.warning("Could not restore a saved prompt state; evaluating the prompt again")
            llm.reset()
            return
        count = len(saved.tokens)
        llm.input_ids[:count] = saved.tokens
        llm.n_tokens = count
        # The restored cells carry no logits: llama-cpp-python must decode before sampling.
        llm._requires_eval = True
