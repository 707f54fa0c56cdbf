"""Private by construction: Hearth's chats and documents index encrypted at rest (SQLCipher), the
key in the OS keychain or behind a passphrase, locking, in-place conversion both ways, and
forgetting everything. Qt-free; the window and `hearth privacy` drive it."""

from desktop.privacy.errors import KeychainUnavailableError, LockedError, PrivacyError, WrongPassphraseError
from desktop.privacy.keychain import available as keychain_problem
from desktop.privacy.strength import Strength, strength
from desktop.privacy.vault import KILL_AT_VARIABLE, DatabaseState, Privacy, PrivacyStatus, Progress, Protection

__all__ = [
    "KILL_AT_VARIABLE",
    "DatabaseState",
    "KeychainUnavailableError",
    "LockedError",
    "Privacy",
    "PrivacyError",
    "PrivacyStatus",
    "Progress",
    "Protection",
    "Strength",
    "WrongPassphraseError",
    "keychain_problem",
    "strength",
]
