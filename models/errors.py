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


class ModelNotFoundError(HearthModelError):
    """A model name that matches no installed model, path or alias."""


class ContextOverflowError(HearthModelError):
    """The newest message alone does not fit into the model's context."""


class TemplateError(HearthModelError):
    """The model's chat template raised while rendering a conversation."""


class EngineStateError(HearthModelError):
    """The engine was asked to do something it cannot do now (e.g. chat with no model loaded)."""
