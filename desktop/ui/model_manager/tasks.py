"""Run blocking work off the GUI thread, then a callback on it.

Hub calls (search, listings, GGUF headers fetched with Range requests), header reads and file
copies can take seconds; the window must keep painting meanwhile. `BackgroundTasks.run(work,
done, failed)` runs `work()` on a small private thread pool and hands its return value to
`done` on the GUI thread through a queued signal. The value crosses threads as it is: callers
return plain immutable data (dataclasses, tuples), never widgets.

A failure reaches `failed` as a `TaskFailure`: the one-sentence message of a `HearthModelError`
(the model layer's errors are written for users), or a generic sentence for a bug, which is
logged with its traceback.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

from models.errors import HearthModelError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskFailure:
    message: str
    expected: bool  # a HearthModelError (bad file, gated repo, ...) rather than a bug


Done = Callable[[Any], None]
Failed = Callable[[TaskFailure], None]


def os_error_text(exc: OSError) -> str:
    """'Permission denied: /path' rather than '[Errno 13] Permission denied: '/path''."""
    if exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename}."
    return f"{exc.strerror or exc}."


class _Relay(QObject):
    finished = Signal(int, object)
    failed = Signal(int, object)


class _Task(QRunnable):
    def __init__(self, task_id: int, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._id, self._work, self._relay = task_id, work, relay

    def run(self) -> None:
        try:
            result = self._work()
        except HearthModelError as exc:
            self._send(self._relay.failed, TaskFailure(str(exc), expected=True))
        except OSError as exc:  # a file or socket problem outside the model layer's own checks
            self._send(self._relay.failed, TaskFailure(os_error_text(exc), expected=True))
        except Exception as exc:
            log.exception("A background task of the model manager failed")
            self._send(self._relay.failed, TaskFailure(f"Something went wrong: {exc}", expected=False))
        else:
            self._send(self._relay.finished, result)

    def _send(self, signal: Any, value: object) -> None:
        with contextlib.suppress(RuntimeError):  # the window was destroyed meanwhile: nobody waits for it
            signal.emit(self._id, value)


class BackgroundTasks(QObject):
    """A thread pool whose results come back to the GUI thread, one callback per task."""

    idle = Signal()  # the last pending task delivered its result

    def __init__(self, parent: QObject | None = None, threads: int = 3) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_relay_finished, Qt.ConnectionType.QueuedConnection)
        self._relay.failed.connect(self._on_relay_failed, Qt.ConnectionType.QueuedConnection)
        self._callbacks: dict[int, tuple[Done, Failed | None]] = {}
        self._ids = itertools.count(1)
        self._running = 0
        self._closed = False

    @property
    def pending(self) -> int:
        """Tasks started and not yet delivered (cancelled ones included until their work ends)."""
        return self._running

    def run(self, work: Callable[[], Any], done: Done, failed: Failed | None = None) -> int:
        if self._closed:
            raise RuntimeError("the model manager's background tasks are shut down")
        task_id = next(self._ids)
        self._callbacks[task_id] = (done, failed)
        self._running += 1
        self._pool.start(_Task(task_id, work, self._relay))
        return task_id

    def forget(self, task_id: int | None) -> None:
        """Drop a task's callbacks: its result is no longer wanted (a newer search replaced it)."""
        if task_id is not None:
            self._callbacks.pop(task_id, None)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Wait for running work to end; no callback runs after this. True when all ended."""
        self._closed = True
        self._callbacks.clear()
        return self._pool.waitForDone(timeout_ms)

    def _on_relay_finished(self, task_id: int, result: object) -> None:
        callbacks = self._take(task_id)
        if callbacks is not None:
            callbacks[0](result)
        self._settle()

    def _on_relay_failed(self, task_id: int, failure: TaskFailure) -> None:
        callbacks = self._take(task_id)
        if callbacks is not None and callbacks[1] is not None:
            callbacks[1](failure)
        self._settle()

    def _take(self, task_id: int) -> tuple[Done, Failed | None] | None:
        self._running -= 1
        return self._callbacks.pop(task_id, None)

    def _settle(self) -> None:
        if self._running == 0:
            self.idle.emit()
