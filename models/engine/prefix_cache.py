"""Keep the evaluated prompt of each conversation, so switching back to one costs nothing.

llama.cpp reuses the evaluated prefix of the previous prompt on its own; the trouble is
switching: conversation B overwrites A's evaluated tokens, and returning to A would evaluate
its whole history again. Before a prompt that shares little with what the context holds,
the context's sequence is saved here (its KV cells, keyed by the tokens they hold); the
saved state that shares the longest prefix with the new prompt is put back instead.

Only the KV cells are copied (`Decoder.save`), never a logits buffer.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

from models.engine.decode import Decoder, SavedSequence, common_prefix

log = logging.getLogger(__name__)

# A state is worth saving before it is overwritten when this many evaluated tokens would go.
MIN_SAVED_TOKENS = 64


class PrefixCache:
    """LRU of saved sequence states for one `Decoder`, bounded in bytes."""

    def __init__(self, capacity_bytes: int) -> None:
        self.capacity_bytes = capacity_bytes
        self._entries: OrderedDict[tuple[int, ...], SavedSequence] = OrderedDict()

    @property
    def size_bytes(self) -> int:
        return sum(len(e.state) for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def prepare(self, decoder: Decoder, prompt: Sequence[int]) -> int:
        """Make `decoder` hold the best available prefix of `prompt`; return its length."""
        held = decoder.held
        current = common_prefix(held, prompt)
        best_key, best = None, current
        for key in self._entries:
            shared = common_prefix(key, prompt)
            if shared > best:
                best_key, best = key, shared
        if len(held) - current >= MIN_SAVED_TOKENS:
            # Another conversation (or an edit) is about to overwrite this one: keep it.
            self._save(decoder, held)
        if best_key is None:
            return current
        if not decoder.restore(self._entries[best_key]):
            log.warning("Could not restore a saved prompt state; evaluating the prompt again")
            del self._entries[best_key]
            return 0
        self._entries.move_to_end(best_key)
        return best

    def _save(self, decoder: Decoder, held: tuple[int, ...]) -> None:
        if not held or held in self._entries:
            return
        saved = decoder.save()
        if len(saved.state) > self.capacity_bytes:
            return
        # Anything that is a prefix of the new entry is redundant now.
        for key in [k for k in self._entries if k == held[: len(k)]]:
            del self._entries[key]
        self._entries[held] = saved
        while self.size_bytes > self.capacity_bytes:
            self._entries.popitem(last=False)
