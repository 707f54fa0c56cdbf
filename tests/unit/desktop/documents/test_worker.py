"""The documents worker: one low-priority thread that indexes, embeds and answers searches."""

from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from desktop.documents.embedder import KEYWORD_ONLY_NOTICE
from desktop.documents.priority import current_thread_nice
from desktop.documents.store import DocumentIndex
from desktop.documents.types import IndexProgress, IndexReport
from desktop.documents.worker import DocumentWorker, EmbeddingState, Retrieval

TIMEOUT = 120


class Inbox:
    """Collects callbacks from the worker thread, with the thread each came on."""

    def __init__(self) -> None:
        self.items: queue.Queue[tuple[str, Any, str]] = queue.Queue()

    def __call__(self, kind: str) -> Any:
        return lambda value: self.items.put((kind, value, threading.current_thread().name))

    def wait_for(self, kind: str) -> tuple[Any, str]:
        while True:
            got, value, thread = self.items.get(timeout=TIMEOUT)
            if got == "error":
                raise AssertionError(value)
            if got == kind:
                return value, thread


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "pets.md").write_text("# Pets\n\nOur kitten naps on the couch all afternoon.\n")
    (folder / "cars.md").write_text("# Cars\n\nChange the engine oil every ten thousand kilometres.\n")
    (folder / "empty.txt").write_text("")
    return folder


def test_indexing_and_search_happen_on_the_low_priority_documents_thread(
    tmp_path: Path, minilm_model: Path
) -> None:
    worker = DocumentWorker(tmp_path / "index.sqlite3", tmp_path / "models", embedding_model=minilm_model)
    inbox = Inbox()
    try:
        nice: list[int | None] = []
        progress: list[IndexProgress] = []

        def on_progress(p: IndexProgress) -> None:
            nice.append(current_thread_nice())
            progress.append(p)

        handle = worker.add("Home", [_folder(tmp_path)], inbox("done"), inbox("error"), on_progress, inbox("file"))
        report, thread = inbox.wait_for("done")
        assert isinstance(report, IndexReport) and thread == "hearth-documents"
        assert handle.job_id == report.job_id and report.embedded
        assert report.count("indexed") == 2 and report.failures[0].reason == "the file is empty"
        assert progress[-1].phase == "finished"
        if sys.platform.startswith("linux"):
            assert worker.priority_lowered and nice and all(n is not None and n >= 10 for n in nice)

        collections = worker_collections(worker, inbox)
        worker.retrieve("Where does the cat sleep?", [c.id for c in collections], inbox("retrieved"), inbox("error"))
        retrieval, thread = inbox.wait_for("retrieved")
        assert isinstance(retrieval, Retrieval) and thread == "hearth-documents"
        assert retrieval.mode == "hybrid" and retrieval.notice is None and not retrieval.still_indexing
        assert retrieval.chunks[0].file_name == "pets.md"
    finally:
        worker.shutdown()
    assert not worker._thread.is_alive()


def worker_collections(worker: DocumentWorker, inbox: Inbox) -> list[Any]:
    worker.call(lambda index: index.collections(), inbox("collections"), inbox("error"))
    value, _thread = inbox.wait_for("collections")
    return list(value)


def test_without_an_embedding_model_search_is_keyword_only(tmp_path: Path) -> None:
    worker = DocumentWorker(tmp_path / "index.sqlite3", tmp_path / "no-models")
    inbox = Inbox()
    try:
        worker.embedding_state(inbox("state"), inbox("error"))
        state, _ = inbox.wait_for("state")
        assert state == EmbeddingState(None, KEYWORD_ONLY_NOTICE) and state.keyword_only
        worker.add_to_conversation(7, [_folder(tmp_path)], inbox("done"), inbox("error"))
        report, _ = inbox.wait_for("done")
        assert not report.embedded
        worker.call(lambda index: [c.id for c in index.attached(7)], inbox("attached"), inbox("error"))
        attached, _ = inbox.wait_for("attached")
        worker.retrieve("engine oil", attached, inbox("retrieved"), inbox("error"))
        retrieval, _ = inbox.wait_for("retrieved")
        assert retrieval.mode == "keyword" and retrieval.notice == KEYWORD_ONLY_NOTICE
        assert retrieval.chunks[0].file_name == "cars.md"
    finally:
        worker.shutdown()


def test_shutdown_cancels_a_running_job_and_errors_come_back_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(300):
        (folder / f"{n:03}.txt").write_text(f"document number {n} " * 50)
    worker = DocumentWorker(tmp_path / "index.sqlite3", tmp_path / "no-models")
    inbox = Inbox()
    started = threading.Event()
    worker.add("Big", [folder], inbox("done"), inbox("error"), on_file=lambda _r: started.set())
    assert started.wait(TIMEOUT)
    worker.shutdown()
    assert not worker._thread.is_alive()
    report, _ = inbox.wait_for("done")
    assert report.cancelled
    with DocumentIndex(tmp_path / "index.sqlite3") as index:
        collection = index.collection("Big")
        assert 0 < collection.ready_count < 300  # stopped part way; what was done is kept

    worker = DocumentWorker(tmp_path / "index.sqlite3", tmp_path / "no-models")
    inbox = Inbox()
    try:
        worker.sync(999, inbox("done"), inbox("error"))
        with pytest.raises(AssertionError, match="no document collection"):
            inbox.wait_for("done")
    finally:
        worker.shutdown()


def test_the_starter_embedding_model_is_used_when_none_is_installed(tmp_path: Path,
                                                                    starter_embedding: Path | None) -> None:
    assert starter_embedding is not None, "the starter embedding model's package is missing"
    worker = DocumentWorker(tmp_path / "index.sqlite3", tmp_path / "no-models", starter_folder=starter_embedding)
    inbox = Inbox()
    try:
        worker.embedding_state(inbox("state"), inbox("error"))
        state, _ = inbox.wait_for("state")
        assert state == EmbeddingState("all-MiniLM-L6-v2 (starter)", None, starter=True)
        worker.add("Home", [_folder(tmp_path)], inbox("done"), inbox("error"))
        report, _ = inbox.wait_for("done")
        assert report.embedded
    finally:
        worker.shutdown()


def _vector_counts(path: Path) -> tuple[int, int, set[str]]:
    with DocumentIndex(path) as index:
        chunks = index.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        rows = index.conn.execute("SELECT model FROM vectors").fetchall()
        return chunks, len(rows), {row[0] for row in rows}


def test_an_embedding_model_that_becomes_available_embeds_what_was_indexed_before(
    tmp_path: Path, minilm_model: Path
) -> None:
    """Issue 13: after installing an embedding model, collections indexed keyword-only got no
    vectors until their folders were added again. Now they are embedded in the background, with
    progress, and search is hybrid as soon as they are; a model that changes embeds them again."""
    from models.library import Library

    models = tmp_path / "models"
    worker = DocumentWorker(tmp_path / "index.sqlite3", models)
    inbox = Inbox()
    try:
        worker.add("Home", [_folder(tmp_path)], inbox("done"), inbox("error"))
        assert not inbox.wait_for("done")[0].embedded
        assert _vector_counts(tmp_path / "index.sqlite3")[1] == 0

        downloaded = tmp_path / "downloads" / "all-MiniLM-L6-v2.F16.gguf"  # the user installs an embedding model
        downloaded.parent.mkdir()
        downloaded.write_bytes(minilm_model.read_bytes())
        Library(models).import_file(downloaded, link=True)
        worker.reload_embedding_model()
        worker.embedding_state(inbox("state"), inbox("error"))
        assert inbox.wait_for("state")[0].model_name == "all-MiniLM-L6-v2"
        progress: list[IndexProgress] = []
        worker.embed_missing(inbox("embedded"), inbox("error"), progress.append)
        report, thread = inbox.wait_for("embedded")
        assert thread == "hearth-documents" and report.embedded_only and report.count("indexed") == 2
        assert progress[0].phase == "indexing" and progress[-1].phase == "finished"
        assert progress[-1].chunks_done == report.chunks > 0
        chunks, vectors, used = _vector_counts(tmp_path / "index.sqlite3")
        assert vectors == chunks and len(used) == 1

        collections = worker_collections(worker, inbox)
        worker.retrieve("Where does the cat sleep?", [c.id for c in collections], inbox("retrieved"), inbox("error"))
        retrieval, _ = inbox.wait_for("retrieved")
        assert retrieval.mode == "hybrid" and retrieval.chunks[0].vector_rank == 1

        other = tmp_path / "another-embedder.gguf"  # another model: its own vectors
        other.write_bytes(minilm_model.read_bytes())
        worker.reload_embedding_model(other)
        worker.embed_missing(inbox("again"), inbox("error"))
        assert inbox.wait_for("again")[0].count("indexed") == 2
        assert _vector_counts(tmp_path / "index.sqlite3")[2] == {f"another-embedder.gguf:{other.stat().st_size}"}
    finally:
        worker.shutdown()
