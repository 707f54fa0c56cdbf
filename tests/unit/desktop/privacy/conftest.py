"""A data folder with a chat and an indexed document holding a unique secret, and keychains."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from desktop.chats import ChatStore, database_path
from desktop.documents import DocumentIndex
from desktop.paths import AppPaths
from desktop.privacy import Privacy
from tests.fixtures.keyrings import FailingKeyring, MemoryKeyring

SECRET = "quokkasecret7731"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def paths() -> AppPaths:
    return AppPaths.default().create()


@pytest.fixture
def filled(paths: AppPaths) -> AppPaths:
    """A chat and a document chunk, both carrying SECRET, in plain files."""
    with ChatStore(database_path(paths)) as store:
        conversation = store.create_conversation(f"About {SECRET}")
        for number in range(50):
            store.add_message(conversation.id, "user", f"message {number} mentions {SECRET} and more words")
    with DocumentIndex.open(paths) as index:
        collection = index.create_collection("Notes")
        with index.transaction() as conn:
            conn.execute("INSERT INTO files (collection_id, path, status) VALUES (?, '/notes.txt', 'ready')",
                         (collection.id,))
            conn.execute("INSERT INTO chunks (file_id, ordinal, text, tokens) VALUES (1, 0, ?, 5)",
                         (f"The passage about {SECRET} in a document",))
    return paths


@pytest.fixture
def privacy(filled: AppPaths) -> Privacy:
    return Privacy(filled)


def _use(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    yield from _use(backend)  # type: ignore[misc]


@pytest.fixture
def failing_keyring() -> Iterator[KeyringBackend]:
    yield from _use(FailingKeyring())


def files_containing(folder: Path, text: str) -> list[Path]:
    needle = text.encode()
    return [path for path in folder.rglob("*") if path.is_file() and needle in path.read_bytes()]
