"""Nothing leaves the machine: indexing, embedding, search and a documents chat run with every
non-loopback connection attempt (and remote name lookup) failing the test."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from desktop.documents.chat import grounded_chat
from desktop.documents.embedder import Embedder
from desktop.documents.indexing import index_paths
from desktop.documents.store import DocumentIndex
from desktop.paths import AppPaths
from models.engine import Engine, SamplingParams
from models.library import Library
from tests.fixtures.documents import write_docx, write_pdf
from tests.fixtures.offline import NetworkAttempt, offline_guard


def test_the_guard_catches_remote_connections_and_lets_loopback_through(monkeypatch: pytest.MonkeyPatch) -> None:
    with offline_guard(monkeypatch) as attempts:
        with pytest.raises(NetworkAttempt):
            socket.create_connection(("example.com", 80), timeout=1)
        with pytest.raises(NetworkAttempt), socket.socket() as sock:
            sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed anyway
        with pytest.raises(NetworkAttempt):
            socket.getaddrinfo("huggingface.co", 443)
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
        server.close()
        assert len(attempts) == 3


def test_indexing_search_and_a_documents_chat_stay_on_the_machine(
    offline: list[str], tmp_path: Path, minilm_model: Path, tiny_model: Path
) -> None:
    paths = AppPaths.default().create()
    Library(paths.models).import_file(minilm_model, link=True)  # found by the chat helper, as installed
    docs = tmp_path / "docs"
    docs.mkdir()
    write_pdf(docs / "manual.pdf", ["The pump starts when the float rises.", "Clean the filter monthly."])
    write_docx(docs / "plan.docx", [("Heading 1", "Garden"), ("Normal", "Plant tomatoes in April.")])
    (docs / "notes.md").write_text("# Boiler\n\nThe pressure should read 1.5 bar.\n")

    embedder = Embedder(minilm_model)
    try:
        with DocumentIndex.open(paths) as index:
            report = index_paths(index, "Home", [docs], embedder=embedder)
            assert report.count("indexed") == 3 and report.embedded
    finally:
        embedder.close()

    grounded = grounded_chat(paths, "Home", "When should I plant tomatoes?", "Be brief.")
    assert grounded.notice is None and grounded.citations[0].file_name == "plan.docx"
    engine = Engine()
    engine.load(tiny_model)
    try:
        pieces: list[str] = []
        stats = engine.chat(grounded.messages, SamplingParams(max_tokens=8, seed=1), pieces.append)
        assert stats.generated_tokens > 0
    finally:
        engine.unload()
    assert offline == []
