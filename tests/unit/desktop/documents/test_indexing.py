"""Indexing runs: a batch with unreadable files, incremental re-indexing, deletion, progress, cancel."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.documents import indexing
from desktop.documents.indexing import index_paths, sync_collection
from desktop.documents.retrieval import Retriever
from desktop.documents.store import DocumentIndex
from desktop.documents.types import IndexProgress, ParsedDocument
from models.cancel import CancelToken
from tests.fixtures.documents import write_docx, write_malformed, write_pdf


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the indexer parses, in order."""
    seen: list[Path] = []
    real = indexing.read_document

    def counting(path: Path, data: bytes) -> ParsedDocument:
        seen.append(path)
        return real(path, data)

    monkeypatch.setattr(indexing, "read_document", counting)
    return seen


def _library(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_pdf(folder / "manual.pdf", ["The pump starts when the float rises.", "Clean the filter monthly."])
    write_docx(folder / "plan.docx", [("Heading 1", "Plan"), ("Normal", "Plant tomatoes in April.")])
    (folder / "page.html").write_text("<h1>Bees</h1><p>Bees visit clover flowers.</p>", encoding="utf-8")
    (folder / "notes.md").write_text("# Notes\n\nThe boiler pressure should read 1.5 bar.\n", encoding="utf-8")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    return folder


def _search(index: DocumentIndex, query: str) -> list[str]:
    collection_ids = [c.id for c in index.collections()]
    return [c.file_name for c in Retriever(index).search(query, collection_ids)]


def test_a_batch_indexes_the_readable_files_and_lists_the_others_with_reasons(
    index: DocumentIndex, tmp_path: Path
) -> None:
    folder = _library(tmp_path / "docs")
    bad = write_malformed(folder / "bad")
    report = index_paths(index, "Home", [folder])
    outcomes = {r.path.name: (r.outcome, r.reason) for r in report.results}
    assert {name for name, (outcome, _) in outcomes.items() if outcome == "indexed"} == {
        "manual.pdf", "plan.docx", "page.html", "notes.md"
    }
    assert outcomes["photo.png"] == ("skipped", "not a kind of file Hearth reads")
    assert outcomes["truncated.pdf"] == ("failed", "the PDF is damaged or incomplete")
    assert outcomes["fake.docx"] == ("failed", "it is not a valid Word document (.docx)")
    assert outcomes["junk.txt"] == ("failed", "it is not a text file nor a document format Hearth reads")
    assert outcomes["empty.txt"] == ("failed", "the file is empty")
    assert outcomes["latin1.txt"][0] == "failed" and "not UTF-8" in str(outcomes["latin1.txt"][1])
    assert len(bad) == 5
    collection = index.collection("Home")
    assert (collection.ready_count, collection.failed_count, collection.pending_count) == (4, 5, 0)
    failed = {f.path.name: f.error for f in index.files(collection.id, "failed")}
    assert failed["truncated.pdf"] == "the PDF is damaged or incomplete"
    assert _search(index, "filter cleaning")[0] == "manual.pdf"
    located = Retriever(index).search("filter", [collection.id])[0]
    assert (located.page, located.location) == (2, "page 2")


def test_re_adding_re_indexes_only_what_changed(index: DocumentIndex, tmp_path: Path, parses: list[Path]) -> None:
    folder = _library(tmp_path / "docs")
    index_paths(index, "Home", [folder])
    assert len(parses) == 4
    parses.clear()

    again = index_paths(index, "Home", [folder])
    assert parses == [] and again.count("unchanged") == 4

    notes = folder / "notes.md"
    # Same bytes, new mtime (a copy or a `touch`): hashed, not parsed.
    os.utime(notes, ns=(notes.stat().st_atime_ns, notes.stat().st_mtime_ns + 5_000_000_000))
    touched = index_paths(index, "Home", [folder])
    assert parses == [] and touched.count("unchanged") == 4
    assert index.file(index.collection("Home").id, notes).mtime_ns == notes.stat().st_mtime_ns  # type: ignore[union-attr]

    notes.write_text("# Notes\n\nThe boiler was replaced by a heat pump.\n", encoding="utf-8")
    changed = index_paths(index, "Home", [folder])
    assert parses == [notes] and changed.count("indexed") == 1
    assert _search(index, "heat pump")[0] == "notes.md"
    found = Retriever(index).search("boiler pressure", [index.collection("Home").id])
    assert [c.file_name for c in found] == ["notes.md"] and "1.5 bar" not in found[0].text  # the old text is gone


def test_a_failed_file_is_not_re_parsed_until_it_changes(
    index: DocumentIndex, tmp_path: Path, parses: list[Path]
) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"caf\xe9 au lait, not UTF-8")
    index_paths(index, "Home", [broken])
    parses.clear()
    again = index_paths(index, "Home", [broken])
    assert parses == [] and again.results[0].outcome == "failed" and again.results[0].reason
    broken.write_text("fixed now", encoding="utf-8")
    fixed = index_paths(index, "Home", [broken])
    assert fixed.results[0].outcome == "indexed" and index.collection("Home").failed_count == 0


def test_deleted_files_leave_the_index(index: DocumentIndex, tmp_path: Path) -> None:
    folder = _library(tmp_path / "docs")
    index_paths(index, "Home", [folder])
    (folder / "page.html").unlink()
    report = sync_collection(index, "Home")
    assert [r.path.name for r in report.results if r.outcome == "removed"] == ["page.html"]
    assert "page.html" not in _search(index, "bees clover")
    assert index.collection("Home").ready_count == 3

    collection = index.collection("Home")
    assert index.remove_path(collection.id, folder) == 3
    assert index.collection("Home").file_count == 0 and index.roots(collection.id) == []
    assert index.conn.execute("SELECT count(*) FROM chunks").fetchone()[0] == 0


def test_progress_reports_counts_rate_and_the_end(index: DocumentIndex, tmp_path: Path) -> None:
    folder = _library(tmp_path / "docs")
    seen: list[IndexProgress] = []
    monkey_interval = indexing.PROGRESS_INTERVAL_S
    indexing.PROGRESS_INTERVAL_S = 0.0  # every file, for the test
    try:
        report = index_paths(index, "Home", [folder], on_progress=seen.append)
    finally:
        indexing.PROGRESS_INTERVAL_S = monkey_interval
    assert seen[0].phase == "scanning" and seen[-1].phase == "finished"
    indexing_updates = [p for p in seen if p.phase == "indexing"]
    done = [p.files_done for p in indexing_updates]
    assert done == sorted(done) and seen[-1].files_done == seen[-1].files_total == 4
    assert seen[-1].chunks_done == report.chunks > 0 and seen[-1].fraction == 1.0
    assert seen[-1].bytes_done == seen[-1].bytes_total
    assert {p.last_result.path.name for p in indexing_updates if p.last_result} >= {"manual.pdf", "photo.png"}
    assert all(0.0 <= p.fraction <= 1.0 for p in seen)


def test_cancel_stops_between_files_and_keeps_what_was_done(index: DocumentIndex, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(10):
        (folder / f"{n:02}.txt").write_text(f"document number {n}")
    cancel = CancelToken()

    def stop_after_three(progress: IndexProgress) -> None:
        if progress.files_done == 3:
            cancel.cancel()

    indexing.PROGRESS_INTERVAL_S, interval = 0.0, indexing.PROGRESS_INTERVAL_S
    try:
        report = index_paths(index, "Home", [folder], on_progress=stop_after_three, cancel=cancel)
    finally:
        indexing.PROGRESS_INTERVAL_S = interval
    assert report.cancelled and report.count("indexed") == 3
    collection = index.collection("Home")
    assert (collection.ready_count, collection.pending_count) == (3, 7)  # the rest wait for the next run
    resumed = index_paths(index, "Home", [folder])
    assert resumed.count("indexed") == 7 and resumed.count("unchanged") == 3
