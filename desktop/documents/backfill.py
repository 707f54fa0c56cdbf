"""Vectors for what was indexed without the embedding model in use now.

Files indexed before any embedding model was available (keyword search only), or with another
model, have no vectors from the current one. When a model becomes available or changes, the
window asks the documents worker to add them (desktop/documents/worker.py `embed_missing`):
one collection after another, the chunks already in the index are embedded, with no file read
again (a file that changed on disk is picked up by the next sync, as ever). Search uses the
vectors as soon as each file's are written: hybrid for what has them, keyword for the rest.

Progress goes out as an indexing run's does (IndexProgress about every 100 ms, FileResult per
file, one IndexReport per collection, `embedded_only` set), so the window's progress bar, rate
and time left work unchanged; `fraction` goes by passages here, the work that costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from desktop.documents.embedder import Embedder, document_text
from desktop.documents.indexing import PROGRESS_INTERVAL_S, FileCallback, ProgressCallback, next_job_id
from desktop.documents.store import DocumentIndex
from desktop.documents.types import FileResult, IndexProgress, IndexReport, Phase
from models.cancel import CancelToken

_FILES_LACKING = """
SELECT id, path, title, chunk_count FROM files
WHERE collection_id = ? AND status = 'ready' AND chunk_count > 0 AND coalesce(embedding_model, '') != ?
ORDER BY path
"""


def collections_lacking_vectors(index: DocumentIndex, model: str) -> list[int]:
    """Collections with ready files that have no vectors from `model`."""
    rows = index.conn.execute(
        "SELECT DISTINCT collection_id FROM files WHERE status = 'ready' AND chunk_count > 0 "
        "AND coalesce(embedding_model, '') != ? ORDER BY collection_id",
        (model,),
    )
    return [int(row[0]) for row in rows]


def embed_collection(
    index: DocumentIndex,
    collection_id: int,
    embedder: Embedder,
    *,
    on_progress: ProgressCallback | None = None,
    on_file: FileCallback | None = None,
    cancel: CancelToken | None = None,
    between_steps: Callable[[], None] | None = None,
    job_id: int | None = None,
) -> IndexReport:
    """Add the current model's vectors to every ready file of the collection that lacks them."""
    cancel = cancel or CancelToken()
    job = job_id if job_id is not None else next_job_id()
    name = index.collection(collection_id).name
    files = [(int(r[0]), Path(r[1]), r[2], int(r[3]))
             for r in index.conn.execute(_FILES_LACKING, (collection_id, embedder.model_id))]
    total = sum(count for *_rest, count in files)
    started = time.perf_counter()
    done_chunks = done_files = 0
    results: list[FileResult] = []
    last_sent = 0.0

    def progress(phase: Phase, current: Path | None, last: FileResult | None, force: bool = False) -> None:
        nonlocal last_sent
        now = time.perf_counter()
        if on_progress is None or (not force and now - last_sent < PROGRESS_INTERVAL_S):
            return
        last_sent = now
        elapsed = now - started
        rate = done_chunks / elapsed if elapsed > 0 else 0.0
        eta = (total - done_chunks) / rate if rate and elapsed > 0.2 and phase == "indexing" else None
        on_progress(IndexProgress(
            job_id=job, collection=name, phase=phase, files_total=len(files), files_done=done_files,
            files_failed=0, chunks_done=done_chunks, bytes_total=total, bytes_done=done_chunks, elapsed_s=elapsed,
            chunks_per_s=rate, eta_s=eta, current_file=current, last_result=last,
        ))

    def should_stop() -> bool:
        if between_steps is not None:
            between_steps()
        return cancel.cancelled

    cancelled = False
    progress("indexing", None, None, force=True)
    for file_id, path, title, _count in files:
        if should_stop():
            cancelled = True
            break
        missing = index.chunks_without_vectors(file_id, embedder.model_id)
        vectors = embedder.embed_documents([document_text(title, heading, text) for _id, heading, text in missing],
                                           should_stop=should_stop)
        if len(vectors) < len(missing):
            cancelled = True
            break
        index.add_vectors(collection_id, file_id, embedder.model_id,
                          [(chunk_id, vectors[i]) for i, (chunk_id, _h, _t) in enumerate(missing)])
        result = FileResult(path, "indexed", len(missing))
        results.append(result)
        done_files += 1
        done_chunks += len(missing)
        if on_file is not None:
            on_file(result)
        progress("indexing", path, result)
    progress("cancelled" if cancelled else "finished", None, None, force=True)
    return IndexReport(job_id=job, collection=name, results=tuple(results), cancelled=cancelled,
                       elapsed_s=time.perf_counter() - started, embedded=True, embedded_only=True)
