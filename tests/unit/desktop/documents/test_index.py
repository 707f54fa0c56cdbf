"""The index file: private, WAL, schema-versioned; collections, attachments, conversations' own files."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from desktop.documents.database import SCHEMA_VERSION, connect
from desktop.documents.errors import CollectionNotFoundError, IndexStoreError
from desktop.documents.indexing import index_paths
from desktop.documents.store import DocumentIndex
from desktop.paths import AppPaths


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_index_and_its_wal_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        paths = AppPaths.default()
        with DocumentIndex.open(paths) as index:
            (tmp_path / "doc.txt").write_text("private words")
            index_paths(index, "Private", [tmp_path / "doc.txt"])
            database = index.path
            assert database == paths.data / "documents.sqlite3"
            assert index.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
                assert _mode(path) == 0o600, path
            assert _mode(database.parent) == 0o700
    finally:
        os.umask(previous)


def test_schema_is_versioned_and_a_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite3"
    connect(path).close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(IndexStoreError, match="newer version of Hearth"):
        DocumentIndex(path)


def test_a_file_that_is_not_an_index_says_so(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(IndexStoreError, match="is not a Hearth documents index"):
        DocumentIndex(path)


def test_collections_are_named_uniquely_and_renamed(index: DocumentIndex) -> None:
    notes = index.create_collection("  Work   notes ")
    assert notes.name == "Work notes"
    with pytest.raises(IndexStoreError, match="already exists"):
        index.create_collection("work NOTES")
    assert index.ensure_collection("WORK NOTES").id == notes.id
    renamed = index.rename_collection(notes.id, "Projects")
    assert index.collection("projects").id == renamed.id
    with pytest.raises(CollectionNotFoundError, match="Collections: Projects"):
        index.collection("Work notes")
    index.delete_collection(notes.id)
    assert index.collections() == []


def test_conversations_get_their_own_collection_and_attachments(index: DocumentIndex, tmp_path: Path) -> None:
    shared = index.create_collection("Manuals")
    own = index.conversation_collection(42)
    assert own.conversation_id == 42 and index.conversation_collection(42).id == own.id
    index.attach(42, shared.id)
    index.attach(42, shared.id)  # twice is once
    assert [c.id for c in index.attached(42)] == [own.id, shared.id]
    assert [c.name for c in index.collections()] == ["Manuals"]  # private ones stay out of the sidebar
    assert len(index.collections(include_private=True)) == 2
    index.detach(42, shared.id)
    assert [c.id for c in index.attached(42)] == [own.id]
    (tmp_path / "dropped.md").write_text("# Dropped\n\ntext")
    index_paths(index, own.id, [tmp_path / "dropped.md"])
    index.forget_conversation(42)
    assert index.collections(include_private=True)[0].name == "Manuals"
    assert index.conn.execute("SELECT count(*) FROM chunks").fetchone()[0] == 0
    assert index.conn.execute("SELECT count(*) FROM chunks_fts").fetchone()[0] == 0


def test_deleting_a_collection_deletes_its_chunks_and_vectors(index: DocumentIndex, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha words here")
    report = index_paths(index, "Gone", [tmp_path / "a.txt"])
    assert report.count("indexed") == 1
    index.conn.execute("INSERT INTO vectors SELECT id, 'm', x'00000000' FROM chunks")
    index.delete_collection(index.collection("Gone").id)
    for table in ("files", "chunks", "vectors", "roots"):
        assert index.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    index.conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")
