"""Keyword search: what a question is cut into, titles above text, and exact ranking on a large index."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from desktop.documents import bm25
from desktop.documents.database import MIGRATIONS
from desktop.documents.indexing import index_paths
from desktop.documents.keyword import HEADING_WEIGHT, TEXT_WEIGHT, TITLE_WEIGHT, keyword_search, keyword_terms
from desktop.documents.retrieval import Retriever
from desktop.documents.searchable import name_words, search_title
from desktop.documents.store import DocumentIndex
from desktop.documents.types import Chunk
from desktop.sqlite_file import split_statements

WEIGHTS = (TITLE_WEIGHT, HEADING_WEIGHT, TEXT_WEIGHT)


def test_words_that_carry_meaning_in_a_question_are_kept() -> None:
    assert keyword_terms("How do I log out before the commit?") == ["log", "out", "before", "commit"]
    assert keyword_terms("Why is the column not null?") == ["column", "not", "null"]
    assert keyword_terms("Please explain what the café serves") == ["café", "serves"]


def test_a_files_title_and_name_are_searched_in_words() -> None:
    assert name_words("release_notes-2024.md") == "release notes 2024"
    assert name_words("/docs/HTTPServerGuide.txt") == "HTTP Server Guide"
    assert search_title("/docs/pdb.md", "pdb — The Python Debugger") == "pdb — The Python Debugger"
    assert search_title("/docs/install.md", "Getting started") == "Getting started install"
    assert search_title("/docs/notes.txt", None) == "notes"


def test_a_chunk_about_a_word_ranks_above_one_that_mentions_it(index: DocumentIndex, tmp_path: Path) -> None:
    (tmp_path / "kerberos.txt").write_text("Tickets are issued by the key distribution centre for a day.")
    (tmp_path / "network.md").write_text("# Network\n\nKerberos tickets and certificates and passwords are used.")
    index_paths(index, "C", [tmp_path])
    found = Retriever(index).search("kerberos tickets", [index.collection("C").id])
    assert [c.file_name for c in found] == ["kerberos.txt", "network.md"]  # the name weighs twice the text


def _large_index(index: DocumentIndex, tmp_path: Path, chunks: int, seed: int = 7) -> int:
    """Chunks of words drawn with a Zipf-like skew: a few words common, most rare, as in prose."""
    rng = random.Random(seed)
    words = [f"w{n}" for n in range(400)]
    weights = [1 / (rank + 1) for rank in range(len(words))]
    collection = index.create_collection("Large")
    for number in range(0, chunks, 100):
        batch = [Chunk(i, " ".join(rng.choices(words, weights, k=rng.randint(5, 60))), None, None, None, 10)
                 for i in range(100)]
        index.write_file(collection.id, tmp_path / f"f{number}.txt", size=1, mtime_ns=1, sha256=str(number),
                         format="text", title=None, chunks=batch)
    return collection.id


def test_the_fast_path_ranks_exactly_as_the_plain_query(
    index: DocumentIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On an index larger than the first pass's budget, the top list is the plain OR query's, in
    its order: the bound proves it, or the plain query runs."""
    collection = _large_index(index, tmp_path, 2000)
    monkeypatch.setattr(bm25, "FIRST_PASS_MATCHES", 300)
    rng = random.Random(1)
    proven = 0
    for _ in range(60):
        # Rare and common words mixed, as in a question.
        terms = [f"w{rng.randint(0, 399 if rng.random() < 0.5 else 30)}" for _ in range(rng.randint(2, 7))]
        query = bm25.Bm25Query(index.conn, terms, WEIGHTS)
        fast = query.top([collection], 20)
        plain = query._plain(terms, [collection], 20)
        assert [chunk_id for chunk_id, _ in fast] == [chunk_id for chunk_id, _ in plain], terms
        assert [score for _, score in fast] == pytest.approx([score for _, score in plain])
        proven += query.proven
    assert proven >= 20  # most questions never ranked every match
    assert bm25.Bm25Query(index.conn, ["absent", "words"], WEIGHTS).top([collection], 20) == []


def test_a_large_index_keeps_the_common_words_of_a_question(
    index: DocumentIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranking only a question's rarest word (the earlier budget) lost the chunk that holds all
    its other words to chunks holding that one word."""
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(100):
        words = ["filler"] + [w for k, w in enumerate(("running", "system", "flux", "capacitor")) if n % 7 == k]
        (folder / f"{n:03}.txt").write_text(" ".join(words) + (" zebra" if n % 7 == 5 and n < 21 else "") + ".")
    (folder / "answer.txt").write_text("The running system restarts the flux capacitor.")
    index_paths(index, "C", [folder])
    monkeypatch.setattr(bm25, "FIRST_PASS_MATCHES", 5)
    found = keyword_search(index.conn, "zebra running system flux capacitor", [index.collection("C").id], 3)
    paths = [index.conn.execute("SELECT f.path FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id = ?",
                                (chunk_id,)).fetchone()[0] for chunk_id, _ in found]
    assert paths[0].endswith("answer.txt")


def test_an_index_from_before_titles_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite3"
    raw = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](raw)
    raw.execute("PRAGMA user_version = 1")
    raw.execute("INSERT INTO collections (id, name, created_at, updated_at) VALUES (1, 'Old', 0, 0)")
    raw.execute("INSERT INTO files (id, collection_id, path, status, title) "
                "VALUES (1, 1, '/docs/kerberos_setup.md', 'ready', 'Single sign-on')")
    raw.execute("INSERT INTO chunks (file_id, ordinal, text, heading, tokens) "
                "VALUES (1, 0, 'Tickets are issued for a day.', 'Basics', 8)")
    raw.close()
    with DocumentIndex(path) as index:
        assert index.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert index.conn.execute("SELECT title FROM chunks").fetchone()[0] == "Single sign-on kerberos setup"
        index.conn.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
        assert [c.file_name for c in Retriever(index).search("kerberos", [1])] == ["kerberos_setup.md"]
        # The triggers were rebuilt with the table: rewriting the file keeps the index consistent.
        index.write_file(1, Path("/docs/kerberos_setup.md"), size=1, mtime_ns=1, sha256="x", format="markdown",
                         title=None, chunks=[Chunk(0, "Tickets again.", None, None, None, 3)])
        index.conn.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
        assert Retriever(index).search("sign", [1]) == []


def test_the_schema_scripts_split_into_statements() -> None:
    from desktop.documents import database

    assert any("CREATE VIRTUAL TABLE chunks_fts" in s for s in split_statements(database._V2))
