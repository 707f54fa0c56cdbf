"""Keyword queries that always parse, vector search, reciprocal rank fusion, collection filters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop.documents.embedder import Embedder
from desktop.documents.indexing import index_paths
from desktop.documents.keyword import keyword_query, keyword_terms
from desktop.documents.retrieval import RRF_K, Retriever, reciprocal_rank_fusion
from desktop.documents.store import DocumentIndex
from desktop.documents.types import Chunk
from desktop.documents.vectors import VectorSearch, normalise


@pytest.mark.parametrize(
    "text",
    ['"unbalanced', "NEAR(a b)", "a OR", "-x", "col:umn", "^start", "(", "*", "AND", "a' OR 1=1 --", "\u00e9t\u00e9*"],
)
def test_any_text_makes_a_query_that_parses(index: DocumentIndex, tmp_path: Path, text: str) -> None:
    (tmp_path / "a.txt").write_text("Some text about summer (été) and columns.")
    index_paths(index, "C", [tmp_path / "a.txt"])
    Retriever(index).search(text, [index.collection("C").id])  # must not raise


def test_stop_words_are_dropped_unless_nothing_else_is_left() -> None:
    assert keyword_terms("What is the boiling point of water?") == ["boiling", "point", "water"]
    assert keyword_terms("Who are you?") == ["who", "are", "you"]
    assert keyword_query("it's os.path") == '"os" OR "path"'  # "it" and "s" are stop words
    assert keyword_query("   ") == ""


def test_reciprocal_rank_fusion_adds_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion([1, 2, 3], [3, 4, 1])
    scores = {f.chunk_id: f.score for f in fused}
    assert scores[1] == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 3))
    assert scores[3] == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 1))
    assert scores[4] == pytest.approx(1 / (RRF_K + 2))
    assert [f.chunk_id for f in fused][:2] == [1, 3]  # equal scores keep the keyword order
    assert (fused[0].keyword_rank, fused[0].vector_rank) == (1, 3)
    assert [f.chunk_id for f in reciprocal_rank_fusion([5, 6], [])] == [5, 6]


def test_vector_search_is_exact_and_follows_the_collection_revision(index: DocumentIndex, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    collection = index.create_collection("V")
    vectors = normalise(rng.standard_normal((50, 16)).astype(np.float32))
    chunks = [Chunk(i, f"chunk {i}", None, None, None, 2) for i in range(50)]
    index.write_file(collection.id, tmp_path / "f.txt", size=1, mtime_ns=1, sha256="x", format="text", title=None,
                     chunks=chunks, vectors=vectors, model="m")
    search = VectorSearch()
    query = rng.standard_normal(16).astype(np.float32)
    found = search.search(index.conn, query, [collection.id], "m", limit=5)
    ids = [row[0] for row in index.conn.execute("SELECT id FROM chunks ORDER BY ordinal")]
    expected = np.argsort(-(vectors @ normalise(query)))[:5]
    assert [chunk_id for chunk_id, _ in found] == [ids[i] for i in expected]
    assert search.search(index.conn, query, [collection.id], "other-model", limit=5) == []
    index.remove_files(collection.id, [tmp_path / "f.txt"])
    assert search.search(index.conn, query, [collection.id], "m", limit=5) == []  # the cache saw the change


def test_search_stays_inside_the_asked_collections(index: DocumentIndex, tmp_path: Path) -> None:
    for name in ("Work", "Home"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "budget.txt").write_text(f"The {name} budget is tight this year.")
        index_paths(index, name, [tmp_path / name])
    retriever = Retriever(index)
    work = index.collection("Work").id
    assert {c.path.parent.name for c in retriever.search("budget", [work])} == {"Work"}
    both = [index.collection("Home").id, work]
    assert {c.path.parent.name for c in retriever.search("budget", both)} == {"Work", "Home"}


def test_hybrid_finds_what_keywords_miss(index: DocumentIndex, tmp_path: Path, embedder: Embedder) -> None:
    (tmp_path / "pets.md").write_text("# Pets\n\nOur kitten naps on the couch all afternoon.\n")
    (tmp_path / "cars.md").write_text("# Cars\n\nChange the engine oil every ten thousand kilometres.\n")
    index_paths(index, "C", [tmp_path], embedder=embedder)
    collection = index.collection("C").id
    retriever = Retriever(index)
    question = "Where does the cat sleep?"
    assert retriever.search(question, [collection]) == []  # no shared word
    vector = embedder.embed_query(question)
    found = retriever.search(question, [collection], query_vector=vector, model=embedder.model_id)
    assert found[0].file_name == "pets.md" and found[0].vector_rank == 1 and found[0].keyword_rank is None
