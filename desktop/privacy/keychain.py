"""The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux) through
`keyring`: where the random database key lives when the user prefers it to a passphrase.

Every keyring failure becomes KeychainUnavailableError, so callers can offer the passphrase
instead; a system without any keychain (keyring's "fail" backend, priority 0) counts as one.
"""

from __future__ import annotations

import logging

import keyring
import keyring.errors

from desktop.privacy.errors import KeychainUnavailableError
from desktop.sqlite_file import DatabaseKey

log = logging.getLogger(__name__)

SERVICE = "Hearth"
NO_KEYCHAIN = ("This computer has no keychain Hearth can use ({reason}); choose a passphrase instead.")


def _backend_problem() -> str | None:
    backend = keyring.get_keyring()
    if getattr(backend, "priority", 1) <= 0 or type(backend).__module__.startswith("keyring.backends.fail"):
        return "no keychain service is running"
    return None


def available() -> str | None:
    """None when a keychain can be used; otherwise why not, in words."""
    return _backend_problem()


def store(entry: str, key: DatabaseKey) -> None:
    problem = _backend_problem()
    if problem:
        raise KeychainUnavailableError(NO_KEYCHAIN.format(reason=problem))
    try:
        keyring.set_password(SERVICE, entry, key.hex())
        if keyring.get_password(SERVICE, entry) != key.hex():  # a keychain that drops what it is given
            raise keyring.errors.KeyringError("the keychain did not keep the key")
    except keyring.errors.KeyringError as exc:
        raise KeychainUnavailableError(NO_KEYCHAIN.format(reason=exc or type(exc).__name__)) from exc


def load(entry: str) -> DatabaseKey:
    try:
        value = keyring.get_password(SERVICE, entry)
    except keyring.errors.KeyringError as exc:
        raise KeychainUnavailableError(
            f"The keychain that holds the key to your chats cannot be read ({exc or type(exc).__name__})."
        ) from exc
    if not value:
        raise KeychainUnavailableError("The key to your chats is not in this computer's keychain (was it removed?).")
    try:
        return DatabaseKey.from_hex(value)
    except ValueError as exc:
        raise KeychainUnavailableError("The keychain holds something else than Hearth's key under its name.") from exc


def delete(entry: str) -> None:
    """Remove the key; a keychain that is gone or never had it is not an error."""
    try:
        keyring.delete_password(SERVICE, entry)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        log.warning("Could not remove Hearth's key from the keychain: %s", exc)
