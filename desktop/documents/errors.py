"""Errors the documents service raises; each message is one plain sentence a user can act on.

A file that cannot be read raises a `DocumentError` subclass whose `reason` says why in words a
user understands ("the PDF is damaged or incomplete"); the indexer stores that reason on the
file's row, lists the file as failed, and goes on with the rest of the batch.
"""

from __future__ import annotations

from pathlib import Path

from desktop.errors import HearthError


class DocumentError(HearthError):
    """A document cannot be indexed. `reason` is the plain cause, `path` the file."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"Cannot read {self.path.name}: {reason}.")


class UnsupportedFormatError(DocumentError):
    """Not a text file nor a format Hearth reads (images, archives, executables, binary junk)."""


class DamagedDocumentError(DocumentError):
    """A supported format whose content is damaged: a truncated PDF, a zip that is not a DOCX."""


class EncryptedDocumentError(DocumentError):
    """A password-protected document."""


class EmptyDocumentError(DocumentError):
    """A file with no text to index: 0 bytes, whitespace, or a scanned PDF without a text layer."""


class EncodingError(DocumentError):
    """A text file that is not UTF-8 (nor UTF-16 with a byte-order mark)."""


class DocumentTooLargeError(DocumentError):
    """A file over the size limit (see desktop.documents.scanning.MAX_FILE_BYTES)."""


class IndexStoreError(HearthError):
    """The documents index cannot be opened or used (not a database, from a newer Hearth, locked...)."""


class CollectionNotFoundError(IndexStoreError):
    """A collection name or id that is not in the index."""


class EmbeddingModelError(HearthError):
    """An embedding model cannot be loaded or used."""
