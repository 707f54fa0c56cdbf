"""Errors the local server raises; each message is one plain sentence a user can act on."""

from __future__ import annotations

from desktop.errors import HearthError


class ServerError(HearthError):
    """The local server cannot start or serve as asked (port taken, no key for the network...)."""


class ApiKeyError(ServerError):
    """The API key file cannot be read, written, or holds no key."""
