"""The documents' own thread: indexing jobs one after another, at low priority, with searches in between.

Everything that touches the embedding model happens here, and this thread has its own SQLite
connection. Requests come in from any thread (the window's GUI thread); results go out
through callbacks called on this thread with plain immutable values. The window's bridge
(desktop/ui) turns those callbacks into queued Qt signals, as it does for the engine worker;
nothing here knows about Qt.

Two queues: indexing jobs run in order; searches (and other quick requests) jump ahead, and
are also answered between files and between embedding batches of a running job, so asking a
question while a folder indexes waits for one batch (~0.1-0.5 s), not for the folder.

Embedding model: the first one the user installed, else the starter one (made in
`starter_folder` at first use), else none (keyword search only). When it becomes available or
changes (`reload_embedding_model`), `embed_missing` adds its vectors to everything indexed before,
in the background with the usual progress (desktop/documents/backfill.py).

`shutdown()` cancels the running job (it stops at the next file or batch; the file being
indexed keeps its previous version), drops the queued ones, and joins the thread.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop.documents.backfill import collections_lacking_vectors, embed_collection
from desktop.documents.embedder import KEYWORD_ONLY_NOTICE, Embedder, EmbeddingModelFile, find_embedding_model
from desktop.documents.errors import EmbeddingModelError
from desktop.documents.indexing import FileCallback, IndexRun, ProgressCallback, next_job_id
from desktop.documents.priority import lower_current_thread_priority
from desktop.documents.retrieval import DEFAULT_LIMIT, Retriever
from desktop.documents.scanning import normalise_root
from desktop.documents.store import DocumentIndex
from desktop.documents.types import Collection, IndexReport, RetrievedChunk
from models.cancel import CancelToken
from models.errors import HearthModelError

log = logging.getLogger(__name__)

ErrorCallback = Callable[[str], None]
_Job = Callable[[], None]


@dataclass(frozen=True)
class EmbeddingState:
    """What the window shows about semantic search."""

    model_name: str | None  # None: no embedding model installed, or it failed to load
    notice: str | None  # KEYWORD_ONLY_NOTICE, or why the installed model could not be used
    starter: bool = False  # the starter embedding model, used until the user installs another

    @property
    def keyword_only(self) -> bool:
        return self.model_name is None


@dataclass(frozen=True)
class Retrieval:
    question: str
    chunks: tuple[RetrievedChunk, ...]
    mode: str  # "hybrid" or "keyword"
    collections: tuple[Collection, ...]  # as they stand now: pending_count > 0 means still indexing
    notice: str | None  # KEYWORD_ONLY_NOTICE when no embedding model is installed

    @property
    def still_indexing(self) -> bool:
        return any(c.pending_count for c in self.collections)


class JobHandle(CancelToken):
    """Cancels one indexing job; `job_id` names it in progress reports."""

    def __init__(self, job_id: int) -> None:
        super().__init__()
        self.job_id = job_id


class DocumentWorker:
    def __init__(
        self, index_path: Path, models_dir: Path, embedding_model: Path | None = None,
        starter_folder: Path | None = None, chat_busy: Callable[[], bool] | None = None,
    ) -> None:
        """`embedding_model`: a GGUF to embed with; None picks the first one installed in `models_dir`,
        else the starter one, made in `starter_folder` (None: no starter, keyword search only).
        `chat_busy` says whether the chat engine is answering now: embedding then leaves it cores."""
        self._index_path = index_path
        self._models_dir = models_dir
        self._embedding_path = embedding_model
        self._starter_folder = starter_folder
        self._chat_busy = chat_busy
        self._index: DocumentIndex | None = None
        self._retriever: Retriever | None = None
        self._embedder: Embedder | None = None
        self._choice: EmbeddingModelFile | None = None
        self._embedding_state: EmbeddingState | None = None  # None: resolve the model again
        self._urgent: deque[_Job] = deque()
        self._background: deque[_Job] = deque()
        self._condition = threading.Condition()
        self._stopping = False
        self._current: JobHandle | None = None
        self.priority_lowered = False
        self._thread = threading.Thread(target=self._run, name="hearth-documents", daemon=True)
        self._thread.start()

    # -- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        self.priority_lowered = lower_current_thread_priority()
        try:
            while True:
                with self._condition:
                    while not (self._urgent or self._background or self._stopping):
                        self._condition.wait()
                    if self._stopping:
                        break
                    job = self._urgent.popleft() if self._urgent else self._background.popleft()
                job()
                if self._embedder is not None:  # done (or cancelled): a chat may start any moment
                    self._embedder.release_threads()
        finally:
            if self._embedder is not None:
                self._embedder.close()
            if self._index is not None:
                self._index.close()

    def _serve_urgent(self) -> None:
        while True:
            with self._condition:
                if not self._urgent or self._stopping:
                    return
                job = self._urgent.popleft()
            job()

    def _submit(self, job: _Job, urgent: bool = False) -> None:
        with self._condition:
            if self._stopping:
                return
            (self._urgent if urgent else self._background).append(job)
            self._condition.notify()

    def _guarded(self, work: Callable[[], object], on_error: ErrorCallback) -> None:
        try:
            work()
        except HearthModelError as exc:
            on_error(str(exc))
        except Exception as exc:  # the thread must survive whatever a file or a model does
            log.exception("Documents job failed")
            on_error(f"Something went wrong with the documents index: {exc}")

    def _open(self) -> DocumentIndex:
        if self._index is None:
            self._index = DocumentIndex(self._index_path)
            self._retriever = Retriever(self._index)
        return self._index

    def _resolve_embedding(self) -> EmbeddingModelFile | None:
        """Which embedding model to use, from its header (the starter one is made here at first
        use); loading it waits until something is embedded."""
        if self._embedding_state is not None:
            return self._choice
        self._choice = None
        try:
            path = self._embedding_path or find_embedding_model(self._models_dir, self._starter_folder)
            if path is not None:
                self._choice = EmbeddingModelFile.read(path)
        except (EmbeddingModelError, OSError) as exc:
            log.warning("Keyword search only: %s", exc)
            self._embedding_state = EmbeddingState(None, f"Keyword search only: {exc}")
            return None
        if self._choice is None:
            self._embedding_state = EmbeddingState(None, KEYWORD_ONLY_NOTICE)
        else:
            self._embedding_state = EmbeddingState(self._choice.name, None, self._choice.starter)
        return self._choice

    def _load_embedder(self) -> Embedder | None:
        choice = self._resolve_embedding()
        if self._embedder is not None and (choice is None or self._embedder.path != choice.path):
            self._embedder.close()
            self._embedder = None
        if choice is None or self._embedder is not None:
            return self._embedder
        try:
            self._embedder = Embedder(choice.path, chat_busy=self._chat_busy)
        except EmbeddingModelError as exc:
            log.warning("Keyword search only: %s", exc)
            self._choice, self._embedding_state = None, EmbeddingState(None, f"Keyword search only: {exc}")
        return self._embedder

    # -- requests (from any thread; callbacks on this thread) -------------------------------

    def add(
        self,
        collection: str | int,
        paths: Sequence[str | Path],
        on_done: Callable[[IndexReport], None],
        on_error: ErrorCallback,
        on_progress: ProgressCallback | None = None,
        on_file: FileCallback | None = None,
    ) -> JobHandle:
        """Add files or folders to a collection (a name creates it) and index them."""
        roots = [normalise_root(p) for p in paths]

        def target(index: DocumentIndex) -> int:
            if isinstance(collection, int):
                return index.collection(collection).id
            return index.ensure_collection(collection).id

        return self._index_job(target, roots, on_done, on_error, on_progress, on_file)

    def add_to_conversation(
        self,
        conversation_id: int,
        paths: Sequence[str | Path],
        on_done: Callable[[IndexReport], None],
        on_error: ErrorCallback,
        on_progress: ProgressCallback | None = None,
        on_file: FileCallback | None = None,
    ) -> JobHandle:
        """Files dropped on a conversation: its own collection, attached to it."""
        roots = [normalise_root(p) for p in paths]
        return self._index_job(
            lambda index: index.conversation_collection(conversation_id).id, roots, on_done, on_error, on_progress,
            on_file,
        )

    def sync(
        self,
        collection: int,
        on_done: Callable[[IndexReport], None],
        on_error: ErrorCallback,
        on_progress: ProgressCallback | None = None,
        on_file: FileCallback | None = None,
    ) -> JobHandle:
        """Rescan a collection's files and folders (at start-up, or when the user asks)."""
        return self._index_job(lambda index: index.collection(collection).id, None, on_done, on_error, on_progress,
                               on_file)

    def _index_job(
        self,
        target: Callable[[DocumentIndex], int],
        roots: list[Path] | None,
        on_done: Callable[[IndexReport], None],
        on_error: ErrorCallback,
        on_progress: ProgressCallback | None,
        on_file: FileCallback | None,
    ) -> JobHandle:
        handle = JobHandle(next_job_id())

        def work() -> None:
            index = self._open()
            collection_id = target(index)
            scanned = roots
            if scanned is None:
                scanned = index.roots(collection_id)
            else:
                index.add_roots(collection_id, scanned)
            self._current = handle
            try:
                run = IndexRun(
                    index, collection_id, scanned, embedder=self._load_embedder(), on_progress=on_progress,
                    on_file=on_file, cancel=handle, between_steps=self._serve_urgent, job_id=handle.job_id,
                )
                on_done(run.run())
            finally:
                self._current = None

        self._submit(lambda: self._guarded(work, on_error))
        return handle

    def retrieve(
        self,
        question: str,
        collection_ids: Sequence[int],
        on_done: Callable[[Retrieval], None],
        on_error: ErrorCallback,
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        """The chunks to ground an answer on; answered ahead of (and in between) indexing work."""
        ids = list(collection_ids)

        def work() -> None:
            index = self._open()
            assert self._retriever is not None
            embedder = self._load_embedder()
            vector = embedder.embed_query(question) if embedder is not None else None
            chunks = self._retriever.search(
                question, ids, limit=limit, query_vector=vector, model=embedder.model_id if embedder else None
            )
            collections = tuple(index.collection(i) for i in ids)
            state = self._embedding_state
            on_done(Retrieval(question, tuple(chunks), "hybrid" if embedder else "keyword", collections,
                              state.notice if state else None))

        self._submit(lambda: self._guarded(work, on_error), urgent=True)

    def embedding_state(self, on_done: Callable[[EmbeddingState], None], on_error: ErrorCallback) -> None:
        """Whether searches use an embedding model, and which (makes the starter one at first use)."""

        def work() -> None:
            self._resolve_embedding()
            assert self._embedding_state is not None
            on_done(self._embedding_state)

        self._submit(lambda: self._guarded(work, on_error), urgent=True)

    def reload_embedding_model(self, path: Path | None = None) -> None:
        """After a model was installed or removed: use `path`, or look in the library again (the
        model in use stays loaded if it is still the one to use). Then `embed_missing`."""

        def work() -> None:
            self._embedding_state, self._embedding_path = None, path  # resolved again when next needed

        # Urgent: ahead of queued indexing, so the next question about the state sees the new model.
        self._submit(lambda: self._guarded(work, lambda message: log.warning("%s", message)), urgent=True)

    def embed_missing(
        self,
        on_done: Callable[[IndexReport], None],
        on_error: ErrorCallback,
        on_progress: ProgressCallback | None = None,
        on_file: FileCallback | None = None,
    ) -> JobHandle:
        """Add the embedding model's vectors to every collection's files indexed without them (before
        a model was available, or with another one): one report per collection that needed any;
        nothing when there is no model or nothing lacks vectors. Search uses them as they come."""
        handle = JobHandle(next_job_id())

        def work() -> None:
            choice = self._resolve_embedding()
            index = self._open()
            if choice is None or not collections_lacking_vectors(index, choice.model_id):
                return
            embedder = self._load_embedder()
            if embedder is None:
                state = self._embedding_state
                on_error(state.notice if state is not None and state.notice else KEYWORD_ONLY_NOTICE)
                return
            self._current = handle
            try:
                for collection_id in collections_lacking_vectors(index, embedder.model_id):
                    if handle.cancelled:
                        break
                    on_done(embed_collection(index, collection_id, embedder, on_progress=on_progress,
                                             on_file=on_file, cancel=handle, between_steps=self._serve_urgent,
                                             job_id=handle.job_id))
            finally:
                self._current = None

        self._submit(lambda: self._guarded(work, on_error))
        return handle

    def call(self, work: Callable[[DocumentIndex], object], on_done: Callable[[object], None],
             on_error: ErrorCallback) -> None:
        """Run `work` with this thread's index (listing files, removing a path, attaching...), in order."""
        self._submit(lambda: self._guarded(lambda: on_done(work(self._open())), on_error), urgent=True)

    def cancel(self) -> None:
        """Stop the indexing job that is running now, if any."""
        current = self._current
        if current is not None:
            current.cancel()

    def release(self) -> threading.Event:
        """Close the index (Hearth is locking, or converting the file): the running job stops at
        its next file or batch, queued jobs are dropped, and the index opens again on the next
        request. The event is set once the file is closed."""
        closed = threading.Event()

        def close() -> None:
            if self._index is not None:
                self._index.close()
            self._index, self._retriever = None, None
            closed.set()

        with self._condition:
            self._background.clear()
        self.cancel()
        self._submit(close)
        with self._condition:
            if self._stopping:
                closed.set()
        return closed

    def shutdown(self, timeout: float = 10.0) -> None:
        with self._condition:
            self._stopping = True
            self._urgent.clear()
            self._background.clear()
            self._condition.notify()
        self.cancel()
        self._thread.join(timeout)
