"""What can go wrong with encryption, each said in one sentence a user can act on."""

from __future__ import annotations

from desktop.errors import HearthError


class PrivacyError(HearthError):
    """Encrypting, decrypting, locking or unlocking failed; nothing was lost."""


class WrongPassphraseError(PrivacyError):
    """The passphrase does not open the key file; nothing was changed."""


class KeychainUnavailableError(PrivacyError):
    """This computer has no usable keychain (or it refused); a passphrase works instead."""


class LockedError(PrivacyError):
    """The data is encrypted and not unlocked yet."""
