"""Hostile documents: a FIFO, a link to a secret or to /dev/zero, an 8 GB sparse file, a zip bomb,
a file name that is not UTF-8. Each is refused with its reason, before it is read, and the other
files of the folder are indexed."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from desktop.documents import indexing
from desktop.documents.errors import DocumentTooLargeError
from desktop.documents.indexing import IndexRun, index_paths
from desktop.documents.parsers import limits, parse
from desktop.documents.retrieval import Retriever
from desktop.documents.store import DocumentIndex
from models.cancel import CancelToken
from tests.fixtures.documents import write_many_paragraphs_docx


def _notes(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("The boiler pressure should read 1.5 bar.\n")
    return folder


def _outcomes(report: object) -> dict[str, tuple[str, str | None]]:
    return {r.path.name: (r.outcome, r.reason) for r in report.results}  # type: ignore[attr-defined]


def _search(index: DocumentIndex, query: str) -> list[str]:
    return [c.file_name for c in Retriever(index).search(query, [c.id for c in index.collections()])]


def test_a_symlinked_file_inside_a_folder_is_not_followed(index: DocumentIndex, tmp_path: Path) -> None:
    secret = tmp_path / "ssh" / "id_ed25519"
    secret.parent.mkdir()
    secret.write_text("PRIVATE KEY marmalade-sesame\n")
    notes = _notes(tmp_path / "notes")
    (notes / "leak.txt").symlink_to(secret)
    (notes / "zero.txt").symlink_to("/dev/zero")
    report = index_paths(index, "Docs", [notes])
    outcomes = _outcomes(report)
    assert outcomes["notes.txt"][0] == "indexed"
    for name in ("leak.txt", "zero.txt"):
        assert outcomes[name][0] == "skipped" and "symbolic link" in (outcomes[name][1] or "")
    assert _search(index, "marmalade") == []
    # Added by name, the link is the user's choice: the file it points to is indexed.
    assert _outcomes(index_paths(index, "Docs", [notes / "leak.txt"]))["id_ed25519"][0] == "indexed"


@pytest.mark.timeout(60)
def test_a_fifo_neither_blocks_nor_stops_the_folder(index: DocumentIndex, tmp_path: Path) -> None:
    notes = _notes(tmp_path / "notes")
    os.mkfifo(notes / "pipe.txt")
    report = index_paths(index, "Docs", [notes])
    outcomes = _outcomes(report)
    assert outcomes["notes.txt"][0] == "indexed"
    assert outcomes["pipe.txt"] == ("skipped", "not a regular file (a pipe, a device or a socket)")
    explicit = _outcomes(index_paths(index, "Docs", [notes / "pipe.txt", "/dev/zero"]))
    assert explicit["pipe.txt"][0] == explicit["zero"][0] == "failed"


def test_a_huge_file_is_refused_before_it_is_read(index: DocumentIndex, tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(8 * 1024**3)  # 8 GB, sparse: no disk space, and reading it would take minutes
    started = time.monotonic()
    report = index_paths(index, "Docs", [huge])
    assert _outcomes(report)["huge.txt"] == ("failed", "larger than 100 MB")
    assert time.monotonic() - started < 10
    with pytest.raises(DocumentTooLargeError):
        parse(huge)


def test_a_zip_bomb_docx_is_refused_unopened(tmp_path: Path) -> None:
    bomb = write_many_paragraphs_docx(tmp_path / "bomb.docx", 1_800_000)  # ~70 MB of XML in a small zip
    assert bomb.stat().st_size < 1_000_000
    started = time.monotonic()
    with pytest.raises(DocumentTooLargeError, match="unpacks to more than 64 MB"):
        parse(bomb)
    assert time.monotonic() - started < 10


def test_a_document_that_takes_too_long_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = write_many_paragraphs_docx(tmp_path / "slow.docx", 5_000)
    monkeypatch.setattr(limits, "PARSE_SECONDS", 0.0)
    with pytest.raises(DocumentTooLargeError, match="takes longer than 0 seconds"):
        parse(slow)


def test_a_cancel_stops_a_document_in_the_middle(index: DocumentIndex, tmp_path: Path) -> None:
    folder = tmp_path / "slow"
    folder.mkdir()
    write_many_paragraphs_docx(folder / "slow.docx", 200_000)  # half a minute of python-docx
    cancel = CancelToken()
    collection = index.ensure_collection("Docs")
    index.add_roots(collection.id, [folder])
    timer = threading.Timer(1.0, cancel.cancel)
    timer.start()
    started = time.monotonic()
    report = IndexRun(index, collection.id, [folder], cancel=cancel).run()
    assert report.cancelled and time.monotonic() - started < 10
    known = index.file(collection.id, folder / "slow.docx")
    assert known is None or known.status != "ready"


def test_a_name_that_is_not_utf8_is_reported_and_the_others_index(index: DocumentIndex, tmp_path: Path) -> None:
    notes = _notes(tmp_path / "notes")
    odd = Path(os.fsdecode(bytes(notes) + b"/\xff.txt"))
    odd.write_text("bytes in the name\n")
    for _attempt in range(2):  # the retry works as well as the first run
        report = index_paths(index, "Docs", [notes])
        outcomes = _outcomes(report)
        assert outcomes["notes.txt"][0] in ("indexed", "unchanged")
        assert outcomes[odd.name] == ("failed", "its name is not valid UTF-8 text; rename it to index it")
    assert _search(index, "boiler") == ["notes.txt"]


def test_reading_goes_through_the_limited_reader(index: DocumentIndex, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} was read whole"))
    assert _outcomes(index_paths(index, "Docs", [_notes(tmp_path / "notes")]))["notes.txt"][0] == "indexed"
    assert indexing.read_limited is limits.read_limited
