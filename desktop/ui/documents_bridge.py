"""Qt signals in front of the documents worker thread (indexing, search), as engine_bridge.py does
for the engine: the worker's callbacks go through a `GuiRelay`; answers to a request come back to
the callback that asked, on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.documents import DocumentWorker, JobHandle
from desktop.ui.tasks import GuiRelay


class DocumentsBridge(QObject):
    progress = Signal(object)  # IndexProgress
    indexed = Signal(object)  # IndexReport: a job finished
    failed = Signal(str)  # a job failed as a whole
    collections_changed = Signal()

    def __init__(self, worker: DocumentWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._relay = GuiRelay(self)
        self.indexed.connect(lambda _report: self.collections_changed.emit())
        self.job: JobHandle | None = None

    def request(self, submit: Callable[[Callable[[Any], None], Callable[[str], None]], None],
                on_done: Callable[[Any], None], on_error: Callable[[str], None] = lambda _message: None) -> None:
        """Run `submit(done, error)` on the worker; `on_done` / `on_error` get the answer on this thread."""
        submit(self._relay.to_gui(on_done), self._relay.to_gui(on_error))

    # -- indexing ------------------------------------------------------------------------

    def _job_callbacks(self) -> tuple[Callable[[Any], None], Callable[[str], None], Callable[[Any], None]]:
        """A job's done, failed and progress callbacks, each run on the GUI thread."""
        relay = self._relay
        return relay.to_gui(self.indexed.emit), relay.to_gui(self.failed.emit), relay.to_gui(self.progress.emit)

    def add_to_conversation(self, conversation_id: int, paths: Sequence[Path]) -> None:
        self.job = self.worker.add_to_conversation(conversation_id, paths, *self._job_callbacks())

    def add(self, collection: str | int, paths: Sequence[Path]) -> None:
        self.job = self.worker.add(collection, paths, *self._job_callbacks())

    def sync(self, collection_id: int) -> None:
        self.job = self.worker.sync(collection_id, *self._job_callbacks())

    def embed_missing(self) -> None:
        """Vectors from the embedding model in use for what was indexed without them."""
        self.job = self.worker.embed_missing(*self._job_callbacks())

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
