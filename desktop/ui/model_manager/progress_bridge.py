"""Download progress from the DownloadManager's worker threads to the GUI thread, coalesced.

The manager calls its subscribers on its worker threads, one call at a time, as often as its
settings say (every 100 ms by default, but a test or a future setting may ask for more). This
bridge passes on every change of a job's state at once, and running progress at most
`INTERVAL_S` apart per job; the newest update held back in between is sent by a GUI-thread
timer, so the last bytes shown are never stale.

Every update travels through one `GuiRelay`, in the order the bridge let it through, so a view
never sees a job go back from "paused" to "running".
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.ui.tasks import GuiRelay
from models.hub import DownloadManager, DownloadProgress, JobState


class DownloadProgressBridge(QObject):
    progress_changed = Signal(object)  # DownloadProgress, delivered on the GUI thread

    INTERVAL_S = 0.1

    def __init__(self, manager: DownloadManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._states: dict[str, JobState] = {}
        self._last_sent: dict[str, float] = {}
        self._held: dict[str, DownloadProgress] = {}
        self._closed = False
        self._timer = QTimer(self, interval=int(self.INTERVAL_S * 1000))
        self._timer.timeout.connect(self._on_timer_timeout)
        self._relay = GuiRelay(self)
        unsubscribe = manager.subscribe(self._on_manager_progress)
        self._unsubscribe = unsubscribe
        # A plain function, not a bound method: it must still work while this object is torn down.
        self.destroyed.connect(lambda *_args: unsubscribe())

    def close(self) -> None:
        """Stop listening; nothing is delivered after this."""
        with self._lock:
            self._closed = True
            self._held.clear()
        self._unsubscribe()
        self._timer.stop()

    # -- worker threads ------------------------------------------------------------------------

    def _on_manager_progress(self, progress: DownloadProgress) -> None:
        now = time.monotonic()
        with self._lock:
            if self._closed:
                return
            job = progress.job_id
            changed = self._states.get(job) != progress.state
            if not changed and now - self._last_sent.get(job, 0.0) < self.INTERVAL_S:
                self._held[job] = progress
                return
            self._held.pop(job, None)
            self._states[job] = progress.state
            self._last_sent[job] = now
            self._send(progress)  # under the lock: the queue keeps the order decided here

    def _send(self, progress: DownloadProgress) -> None:
        self._relay.call(self._on_arrived, progress)

    # -- the GUI thread ------------------------------------------------------------------------

    def _on_timer_timeout(self) -> None:
        now = time.monotonic()
        with self._lock:
            for job, progress in list(self._held.items()):
                if now - self._last_sent.get(job, 0.0) >= self.INTERVAL_S:
                    del self._held[job]
                    self._last_sent[job] = now
                    self._send(progress)
            idle = not self._held and all(state != "running" for state in self._states.values())
        if idle:
            self._timer.stop()

    def _on_arrived(self, progress: DownloadProgress) -> None:
        if self._closed:
            return
        if progress.state == "running" and not self._timer.isActive():
            self._timer.start()
        self.progress_changed.emit(progress)
