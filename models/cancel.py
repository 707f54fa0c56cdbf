"""The one way Hearth asks long work to stop: a token set from any thread, checked by the work.

The engine checks it between tokens (and llama.cpp's abort callback reads it during a prompt),
a download between chunks (`models.hub.TransferControl` adds "pause"), document indexing
between files and batches (`desktop.documents.JobHandle` adds the job's id).
"""

from __future__ import annotations

import threading


class CancelToken:
    """Set from any thread; the work notices at its next check."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once when cancelled; True when cancelled."""
        return self._event.wait(seconds)
