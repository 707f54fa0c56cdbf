"""One indexing run: scan what was added, bring each file's chunks up to date, drop vanished files.

Runs on whichever thread calls it and owns the DocumentIndex and Embedder it is given: the
documents worker thread in the app (desktop.documents.worker), the main thread in the CLI.

Per file, the cheapest check that can decide wins:
1. size and mtime as recorded (and vectors from the current embedding model): unchanged, no read;
2. else the content's sha256 as recorded: unchanged (a copy or a `touch`), only the stat is updated,
   and missing vectors are added if an embedding model was installed since;
3. else parse, chunk, embed and replace the file's chunks in one transaction.
A file that failed keeps its reason until its size or mtime changes (a damaged PDF is not
re-parsed at every sync). Files under a scanned root that are no longer on disk leave the index.

Cancelling is checked between files and between embedding batches; a file cut short keeps its
previous version in the index.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.documents.chunking import ChunkSettings, LengthFunction, chunk_document, estimate_tokens
from desktop.documents.embedder import Embedder, document_text
from desktop.documents.errors import DocumentError
from desktop.documents.parsers import ParsingStopped, parse_budget, read_document, read_limited
from desktop.documents.scanning import FoundFile, is_under, scan
from desktop.documents.store import DocumentIndex
from desktop.documents.types import FileResult, IndexProgress, IndexReport, Phase
from models.cancel import CancelToken

log = logging.getLogger(__name__)

ProgressCallback = Callable[[IndexProgress], None]
FileCallback = Callable[[FileResult], None]
PROGRESS_INTERVAL_S = 0.1
_job_ids = itertools.count(1)


def next_job_id() -> int:
    return next(_job_ids)


class _Cancelled(Exception):
    pass


@dataclass
class IndexOptions:
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    length: LengthFunction = estimate_tokens


class IndexRun:
    """State and counters of one run; `run()` does the work and returns the report."""

    def __init__(
        self,
        index: DocumentIndex,
        collection_id: int,
        roots: Sequence[Path],
        *,
        embedder: Embedder | None = None,
        on_progress: ProgressCallback | None = None,
        on_file: FileCallback | None = None,
        cancel: CancelToken | None = None,
        between_steps: Callable[[], None] | None = None,
        options: IndexOptions | None = None,
        job_id: int | None = None,
    ) -> None:
        self.index = index
        self.collection_id = collection_id
        self.collection_name = index.collection(collection_id).name
        self.roots = list(roots)
        self.embedder = embedder
        self.on_progress = on_progress
        self.on_file = on_file
        self.cancel = cancel or CancelToken()
        self.between_steps = between_steps  # the worker answers queued searches here
        self.options = options or IndexOptions()
        self.job_id = job_id if job_id is not None else next_job_id()
        self.results: list[FileResult] = []
        self.files_total = self.files_done = self.files_failed = self.chunks_done = 0
        self.bytes_total = self.bytes_done = 0
        self.current: Path | None = None
        self.started = time.perf_counter()
        self._last_progress = 0.0

    # -- progress ---------------------------------------------------------------------------

    def _progress(self, phase: Phase, last: FileResult | None = None, force: bool = False) -> None:
        now = time.perf_counter()
        if self.on_progress is None or (not force and now - self._last_progress < PROGRESS_INTERVAL_S):
            return
        self._last_progress = now
        elapsed = now - self.started
        eta = None
        if self.bytes_done and elapsed > 0.2 and phase == "indexing":
            eta = (self.bytes_total - self.bytes_done) / (self.bytes_done / elapsed)
        self.on_progress(
            IndexProgress(
                job_id=self.job_id, collection=self.collection_name, phase=phase, files_total=self.files_total,
                files_done=self.files_done, files_failed=self.files_failed, chunks_done=self.chunks_done,
                bytes_total=self.bytes_total, bytes_done=self.bytes_done, elapsed_s=elapsed,
                chunks_per_s=self.chunks_done / elapsed if elapsed > 0 else 0.0, eta_s=eta,
                current_file=self.current, last_result=last,
            )
        )

    def _finish_file(self, result: FileResult, size: int) -> None:
        self.results.append(result)
        if result.outcome != "skipped":
            self.files_done += 1
            self.bytes_done += size
        self.files_failed += result.outcome == "failed"
        self.chunks_done += result.chunks if result.outcome == "indexed" else 0
        if self.on_file is not None:
            self.on_file(result)
        self._progress("indexing", result)

    def _check(self) -> None:
        if self.between_steps is not None:
            self.between_steps()
        if self.cancel.cancelled:
            raise _Cancelled

    # -- the run ----------------------------------------------------------------------------

    def run(self) -> IndexReport:
        self._progress("scanning", force=True)
        found = scan(self.roots, self.cancel)
        self.files_total = len(found.files)
        self.bytes_total = sum(f.size for f in found.files)
        self.index.mark_pending(self.collection_id, [f.path for f in found.files])
        for skipped in found.skipped:
            self._finish_file(skipped, 0)
        cancelled = False
        try:
            self._check()  # a scan cut short by a cancel must not count unseen files as vanished
            self._remove_vanished({f.path for f in found.files})
            for item in found.files:
                self._check()
                self.current = item.path
                self._finish_file(self._index_file(item), item.size)
        except _Cancelled:
            cancelled = True
        self.current = None
        self._progress("cancelled" if cancelled else "finished", force=True)
        return IndexReport(
            job_id=self.job_id, collection=self.collection_name, results=tuple(self.results), cancelled=cancelled,
            elapsed_s=time.perf_counter() - self.started, embedded=self.embedder is not None,
        )

    def _remove_vanished(self, present: set[Path]) -> None:
        # A file added by name inside an added folder is its own root: the folder's scan skips
        # it when its kind is unknown, but it is still wanted.
        own_roots = set(self.index.roots(self.collection_id)) - set(self.roots)
        gone = [
            f.path
            for f in self.index.files(self.collection_id)
            if f.path not in present
            and any(is_under(f.path, root) for root in self.roots)
            and not (f.path in own_roots and f.path.exists())
        ]
        if gone:
            self.index.remove_files(self.collection_id, gone)
            for path in gone:
                self._finish_file(FileResult(path, "removed"), 0)

    def _index_file(self, item: FoundFile) -> FileResult:
        known = self.index.file(self.collection_id, item.path)
        model = self.embedder.model_id if self.embedder else None
        same_stat = known is not None and (known.size, known.mtime_ns) == (item.size, item.mtime_ns)
        if known is not None and same_stat and known.status == "failed":
            return FileResult(item.path, "failed", reason=known.error)
        # Without a model, vectors made earlier stay (they serve again once the model is back).
        embedded = model is None or (known is not None and known.embedding_model == model)
        if known is not None and same_stat and known.status == "ready" and embedded:
            return FileResult(item.path, "unchanged", known.chunk_count)
        try:
            with parse_budget(item.path, self.cancel):  # no FIFO, no endless file, stops on Ctrl+C
                data = read_limited(item.path)
        except DocumentError as exc:
            return self._failed(item, exc.reason, None)
        except ParsingStopped:
            raise _Cancelled from None
        digest = hashlib.sha256(data).hexdigest()
        if known is not None and known.status == "ready" and known.sha256 == digest:
            self.index.touch_file(known.id, item.size, item.mtime_ns)
            if embedded:
                return FileResult(item.path, "unchanged", known.chunk_count)
            return self._embed_missing(item, known.id, known.title)
        try:
            with parse_budget(item.path, self.cancel):
                document = read_document(item.path, data)
        except ParsingStopped:
            raise _Cancelled from None
        except DocumentError as exc:
            return self._failed(item, exc.reason, digest)
        except Exception as exc:  # a parser bug must not stop the batch; the file says what happened
            log.exception("Parsing %s failed", item.path)
            return self._failed(item, f"reading it failed unexpectedly ({type(exc).__name__})", digest)
        chunks = chunk_document(document, self.options.chunking, self.options.length)
        vectors = None
        if self.embedder is not None and chunks:
            texts = [document_text(document.title, c.heading, c.text) for c in chunks]
            vectors = self.embedder.embed_documents(texts, should_stop=self._should_stop)
            if len(vectors) < len(chunks):
                raise _Cancelled
        self.index.write_file(
            self.collection_id, item.path, size=item.size, mtime_ns=item.mtime_ns, sha256=digest,
            format=document.format, title=document.title, chunks=chunks, vectors=vectors, model=model,
        )
        return FileResult(item.path, "indexed", len(chunks))

    def _should_stop(self) -> bool:
        if self.between_steps is not None:
            self.between_steps()
        return self.cancel.cancelled

    def _embed_missing(self, item: FoundFile, file_id: int, title: str | None) -> FileResult:
        assert self.embedder is not None
        missing = self.index.chunks_without_vectors(file_id, self.embedder.model_id)
        texts = [document_text(title, heading, text) for _id, heading, text in missing]
        vectors = self.embedder.embed_documents(texts, should_stop=self._should_stop)
        if len(vectors) < len(missing):
            raise _Cancelled
        pairs = [(chunk_id, vectors[i]) for i, (chunk_id, _h, _t) in enumerate(missing)]
        self.index.add_vectors(self.collection_id, file_id, self.embedder.model_id, pairs)
        return FileResult(item.path, "indexed", len(missing))

    def _failed(self, item: FoundFile, reason: str, digest: str | None) -> FileResult:
        self.index.mark_failed(self.collection_id, item.path, reason, item.size, item.mtime_ns, digest)
        return FileResult(item.path, "failed", reason=reason)


def index_paths(
    index: DocumentIndex,
    collection: str | int,
    paths: Sequence[str | Path],
    *,
    embedder: Embedder | None = None,
    on_progress: ProgressCallback | None = None,
    on_file: FileCallback | None = None,
    cancel: CancelToken | None = None,
    options: IndexOptions | None = None,
) -> IndexReport:
    """Add files and folders to a collection (created if needed) and index them, on this thread."""
    from desktop.documents.scanning import normalise_root

    target = index.ensure_collection(collection) if isinstance(collection, str) else index.collection(collection)
    roots = [normalise_root(p) for p in paths]
    index.add_roots(target.id, roots)
    return IndexRun(
        index, target.id, roots, embedder=embedder, on_progress=on_progress, on_file=on_file, cancel=cancel,
        options=options,
    ).run()


def sync_collection(
    index: DocumentIndex,
    collection: str | int,
    *,
    embedder: Embedder | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> IndexReport:
    """Rescan every root of a collection: changed files re-indexed, new ones added, vanished ones removed."""
    target = index.collection(collection)
    return IndexRun(index, target.id, index.roots(target.id), embedder=embedder, on_progress=on_progress,
                    cancel=cancel).run()
