"""Write an answer to the database while it is generated, so a crash loses at most a second of it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from desktop.chats.errors import StoreError
from desktop.chats.types import FINAL_STATUSES

if TYPE_CHECKING:
    from desktop.chats.store import ChatStore


class StreamingWriter:
    """Collects an answer's chunks and saves them to its "streaming" message row.

    The text is saved when at least `interval_s` passed since the last save, checked on each
    chunk; the chunks of a fast model are not each a disk write. Use it from the store's thread.
    """

    def __init__(
        self,
        store: ChatStore,
        message_id: int,
        interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._message_id = message_id
        self._interval_s = interval_s
        self._clock = clock
        # Continue from what the row holds: the caller may have created it with a prefix.
        self._parts = [store.get_message(message_id).content]
        self._saved_at = clock()
        self._unsaved = False
        self._finished = False

    @property
    def message_id(self) -> int:
        return self._message_id

    @property
    def content(self) -> str:
        return "".join(self._parts)

    def append(self, text: str) -> None:
        if self._finished:
            raise StoreError(f"The answer in message {self._message_id} is already finished.")
        if text:
            self._parts.append(text)
            self._unsaved = True
        now = self._clock()
        if self._unsaved and now - self._saved_at >= self._interval_s:
            self._save(now)

    def flush(self) -> None:
        """Save the text now (for instance before the window closes)."""
        self._save(self._clock())

    def _save(self, now: float) -> None:
        if self._unsaved and not self._finished:
            content = self.content
            self._parts = [content]
            self._store.update_message(self._message_id, content=content)
            self._unsaved = False
        self._saved_at = now

    def finish(self, stats: dict[str, Any] | None, status: str = "complete") -> None:
        """Save the whole answer with its final status ("complete", "cancelled" or "failed")."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"an answer cannot finish as {status!r} (expected one of {sorted(FINAL_STATUSES)})")
        if self._finished:
            raise StoreError(f"The answer in message {self._message_id} is already finished.")
        self._store.update_message(self._message_id, content=self.content, stats=stats, status=status)
        self._finished = True
