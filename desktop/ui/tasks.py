"""Background work and its results on the GUI thread: the one idiom every part of the window uses.

- `GuiRelay.call(fn, *args)`, from any thread, runs `fn(*args)` on the GUI thread, in the order
  the calls were made. Every bridge to a worker thread (the engine, documents, downloads) hands
  its callbacks to the workers through a relay, so no widget is ever touched off the GUI thread.
- `BackgroundTasks.run(work, done, failed)` runs `work()` on a small thread pool (Hub calls,
  header reads, file copies), then `done(result)` or `failed(TaskFailure)` on the GUI thread.

Values cross threads as they are: workers send plain immutable data (dataclasses, tuples,
strings), never widgets. A failure reaches `failed` as a `TaskFailure`: the one-sentence message
of a `HearthModelError` (the model layer's errors are written for users) or of an `OSError`, or
a generic sentence for a bug, which is logged with its traceback.
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


class GuiRelay(QObject):
    """Runs callables on the thread this object belongs to (the GUI thread), in order."""

    _called = Signal(object, tuple)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._called.connect(self._on_called, Qt.ConnectionType.QueuedConnection)

    def call(self, fn: Callable[..., object], *args: object) -> None:
        """Queue `fn(*args)` for the GUI thread; safe from any thread."""
        with contextlib.suppress(RuntimeError):  # the relay was destroyed meanwhile: nobody waits for it
            self._called.emit(fn, args)

    def to_gui(self, fn: Callable[..., object]) -> Callable[..., None]:
        """`fn`, wrapped so that calling it from a worker thread runs it on the GUI thread."""
        return lambda *args: self.call(fn, *args)

    def _on_called(self, fn: Callable[..., object], args: tuple[object, ...]) -> None:
        fn(*args)


@dataclass(frozen=True)
class TaskFailure:
    message: str
    expected: bool  # a HearthModelError (bad file, gated repo, ...) or an OSError rather than a bug


Done = Callable[[Any], None]
Failed = Callable[[TaskFailure], None]


def os_error_text(exc: OSError) -> str:
    """'Permission denied: /path' rather than '[Errno 13] Permission denied: '/path''."""
    if exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename}."
    return f"{exc.strerror or exc}."


def failure_of(exc: Exception) -> TaskFailure:
    """What the user is told about an exception raised by background work."""
    if isinstance(exc, HearthModelError):
        return TaskFailure(str(exc), expected=True)
    if isinstance(exc, OSError):  # a file or socket problem outside the model layer's own checks
        return TaskFailure(os_error_text(exc), expected=True)
    log.error("A background task failed", exc_info=exc)
    return TaskFailure(f"Something went wrong: {exc}", expected=False)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], finished: Callable[[Any], None],
                 failed: Callable[[TaskFailure], None]) -> None:
        super().__init__()
        self._work, self._finished, self._failed = work, finished, failed

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:
            self._failed(failure_of(exc))
        else:
            self._finished(result)


class BackgroundTasks(QObject):
    """A thread pool whose results come back to the GUI thread, one callback per task."""

    idle = Signal()  # the last pending task delivered its result

    def __init__(self, parent: QObject | None = None, threads: int = 3) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = GuiRelay(self)
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
            raise RuntimeError("these background tasks are shut down")
        task_id = next(self._ids)
        self._callbacks[task_id] = (done, failed)
        self._running += 1
        relay = self._relay
        self._pool.start(_Task(
            work,
            lambda result: relay.call(self._on_finished, task_id, result),
            lambda failure: relay.call(self._on_failed, task_id, failure),
        ))
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

    def _on_finished(self, task_id: int, result: object) -> None:
        callbacks = self._take(task_id)
        if callbacks is not None:
            callbacks[0](result)
        self._settle()

    def _on_failed(self, task_id: int, failure: TaskFailure) -> None:
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
