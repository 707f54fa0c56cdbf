"""Errors the model layer raises. Each message is one plain sentence a user can act on."""

from __future__ import annotations

from pathlib import Path


class HearthModelError(Exception):
    """Base of every error raised by `models`."""


class ModelFileError(HearthModelError):
    """A model file cannot be used: missing, empty, truncated, corrupt or unsupported."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"Cannot use model {self.path.name}: {reason}.")


class AdapterFileError(ModelFileError):
    """A LoRA adapter file cannot be used: not an adapter, damaged, or not LoRA."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(path, reason)
        self.args = (f"Cannot use adapter {self.path.name}: {reason}.",)


class ModelNotFoundError(HearthModelError):
    """A model name that matches no installed model, path or alias."""


class ContextOverflowError(HearthModelError):
    """The newest message alone does not fit into the model's context."""


class TemplateError(HearthModelError):
    """The model's chat template raised while rendering a conversation."""


class EngineStateError(HearthModelError):
    """The engine was asked to do something it cannot do now (e.g. chat with no model loaded)."""


class HubError(HearthModelError):
    """The Hugging Face Hub could not answer what was asked (network, access, missing repo or file)."""


class HubOfflineError(HubError):
    """Hub access is switched off (HF_HUB_OFFLINE) or the Hub cannot be reached."""


class GatedRepoError(HubError):
    """The repository is gated: its licence must be accepted on the Hub, and a token used."""


class RepoNotFoundError(HubError):
    """No such repository, revision or file on the Hub (or it is private)."""


class DownloadError(HearthModelError):
    """A download failed; the message says whether what was downloaded so far was kept."""


class ChecksumMismatchError(DownloadError):
    """The downloaded bytes do not match the Hub's sha256 or size; the file was deleted."""


class DiskSpaceError(DownloadError):
    """Not enough free disk space to start or finish a download."""


class LibraryError(HearthModelError):
    """The model library cannot do what was asked (a duplicate, a missing file, a bad import)."""


class RemoteError(HearthModelError):
    """A remote engine (an OpenAI-compatible server elsewhere) could not answer what was asked."""


class AdapterMismatchError(HearthModelError):
    """A LoRA adapter does not fit the model it would change (another architecture or dimensions)."""
