"""The API key that guards a server other machines can reach.

Generated with `secrets`, shown once (printed by `hearth serve`, displayed by the window when
it is made), stored in a file only its owner reads (0600), and compared in constant time.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

from desktop.server.errors import ApiKeyError

log = logging.getLogger(__name__)

KEY_PREFIX = "hearth-"
KEY_FILE_NAME = "server-api-key"


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def write_key(path: Path, key: str) -> None:
    """Write `key` atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(path.name + ".tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        os.chmod(temporary, 0o600)  # a leftover temporary file may have had other bits
        temporary.replace(path)
    except OSError as exc:
        raise ApiKeyError(f"Cannot write the API key to {path}: {exc.strerror or exc}.") from exc


def read_key(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ApiKeyError(f"The API key file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ApiKeyError(f"Cannot read the API key file {path}: {exc}.") from exc
    if not text or any(c.isspace() for c in text):
        raise ApiKeyError(f"The API key file {path} must hold one key on one line.")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("The API key file %s is readable by other users; `chmod 600` it", path)
    return text


def load_or_create_key(path: Path) -> tuple[str, bool]:
    """The key in `path`, or a new one written there; True when it was just made (show it once)."""
    if path.exists():
        return read_key(path), False
    key = generate_key()
    write_key(path, key)
    return key, True


def keys_match(expected: str, given: str) -> bool:
    """Constant-time comparison: how long it takes says nothing about how much of a guess was right."""
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
