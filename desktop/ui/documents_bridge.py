"""Qt signals in front of the documents worker thread (indexing, search), as engine_bridge.py does
for the engine: the worker's callbacks emit queued signals; answers to a request come back to
the callback that asked, on the GUI thread."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.documents.worker import DocumentWorker, JobHandle


class DocumentsBridge(QObject):
    progress = Signal(object)  # IndexProgress
    indexed = Signal(object)  # IndexReport: a job finished
    failed = Signal(str)  # a job failed as a whole
    collections_changed = Signal()
    _answered = Signal(int, object)
    _refused = Signal(int, str)

    def __init__(self, worker: DocumentWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[Callable[[Any], None], Callable[[str], None]]] = {}
        self._answered.connect(self._on_answered)
        self._refused.connect(self._on_refused)
        self.indexed.connect(lambda _report: self.collections_changed.emit())
        self.job: JobHandle | None = None

    def request(self, submit: Callable[[Callable[[Any], None], Callable[[str], None]], None],
                on_done: Callable[[Any], None], on_error: Callable[[str], None] = lambda _message: None) -> None:
        """Run `submit(done, error)` on the worker; `on_done` / `on_error` get the answer on this thread."""
        request_id = next(self._ids)
        self._waiting[request_id] = (on_done, on_error)
        submit(lambda value: self._answered.emit(request_id, value),
               lambda message: self._refused.emit(request_id, message))

    def _on_answered(self, request_id: int, value: object) -> None:
        on_done, _on_error = self._waiting.pop(request_id)
        on_done(value)

    def _on_refused(self, request_id: int, message: str) -> None:
        _on_done, on_error = self._waiting.pop(request_id)
        on_error(message)

    # -- indexing ------------------------------------------------------------------------

    def add_to_conversation(self, conversation_id: int, paths: Sequence[Path]) -> None:
        self.job = self.worker.add_to_conversation(conversation_id, paths, self.indexed.emit, self.failed.emit,
                                                   self.progress.emit)

    def add(self, collection: str | int, paths: Sequence[Path]) -> None:
        self.job = self.worker.add(collection, paths, self.indexed.emit, self.failed.emit, self.progress.emit)

    def sync(self, collection_id: int) -> None:
        self.job = self.worker.sync(collection_id, self.indexed.emit, self.failed.emit, self.progress.emit)

    def cancel(self) -> None:
        self.worker.cancel()

    def call(self, work: Callable[[Any], object], on_done: Callable[[Any], None],
             on_error: Callable[[str], None] = lambda _message: None) -> None:
        """Run `work(index)` on the worker thread (listing, attaching, renaming...)."""
        self.request(lambda done, error: self.worker.call(work, done, error), on_done, on_error)

    def retrieve(self, question: str, collection_ids: Sequence[int], on_done: Callable[[Any], None],
                 on_error: Callable[[str], None]) -> None:
        self.request(lambda done, error: self.worker.retrieve(question, collection_ids, done, error), on_done,
                     on_error)

    def shutdown(self) -> None:
        self.worker.shutdown()
