"""The remote endpoints a user added: their names and addresses in a settings file, their API
keys in the keychain.

`remote_endpoints.json` sits beside settings.json in the config folder (0600, written
atomically); it never holds a key. A key goes to the operating system's keychain through
`keyring`; where no keychain exists (a headless Linux box), to `remote_keys.json`, a 0600 file
of its own, so that copying or sharing the settings never copies a key.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import keyring
import keyring.errors

from desktop.errors import HearthError
from models.errors import RemoteError
from models.private import write_private
from models.remote import EndpointUrl, check_endpoint_name, parse_endpoint_url

log = logging.getLogger(__name__)

ENDPOINTS_FILE = "remote_endpoints.json"
KEYS_FILE = "remote_keys.json"
KEYCHAIN_SERVICE = "Hearth remote endpoints"
MAX_KEY_CHARS = 4096
KeyPlace = Literal["keychain", "file"]


@dataclass(frozen=True)
class RemoteEndpoint:
    name: str
    url: str  # the base URL as parse_endpoint_url writes it
    key: KeyPlace | None = None  # where its API key lives; None: it needs none
    ca_file: str | None = None  # a CA bundle for a server with its own certificate authority

    @property
    def address(self) -> EndpointUrl:
        return parse_endpoint_url(self.url)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "url": self.url, "key": self.key, "ca_file": self.ca_file}


def clean_key(text: str) -> str:
    """An API key as read from a file or a field: one line, printable, not absurdly long."""
    key = text.strip()
    if not key:
        raise HearthError("The API key is empty.")
    if len(key) > MAX_KEY_CHARS or any(ord(c) < 0x21 or ord(c) == 0x7F for c in key):
        raise HearthError("An API key is one line of printable characters without spaces.")
    return key


class RemoteEndpoints:
    """The endpoints file and the keys, in one config folder."""

    def __init__(self, config: Path) -> None:
        self.path = config / ENDPOINTS_FILE
        self._keys_path = config / KEYS_FILE

    # -- endpoints -------------------------------------------------------------------------

    def all(self) -> list[RemoteEndpoint]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            log.warning("The remote endpoints file is unreadable (%s); no remote endpoints for now", exc)
            return []
        endpoints = []
        for entry in raw.get("endpoints", []) if isinstance(raw, dict) else []:
            try:
                endpoints.append(_endpoint_from(entry))
            except (RemoteError, TypeError, ValueError, KeyError):
                log.warning("Skipping an unusable entry of %s", self.path.name)
        return endpoints

    def get(self, name: str) -> RemoteEndpoint:
        for endpoint in self.all():
            if endpoint.name.lower() == name.lower():
                return endpoint
        known = ", ".join(e.name for e in self.all()) or "none yet; add one with `hearth models remote add`"
        raise HearthError(f"No remote endpoint is called '{name}' (endpoints: {known}).")

    def add(self, name: str, url: str, api_key: str | None = None, ca_file: Path | None = None) -> RemoteEndpoint:
        """Add (or replace) an endpoint; its key goes to the keychain, or the private key file."""
        name = check_endpoint_name(name)
        address = parse_endpoint_url(url)
        if ca_file is not None and not ca_file.is_file():
            raise HearthError(f"The CA file {ca_file} does not exist.")
        place: KeyPlace | None = self._store_key(name, clean_key(api_key)) if api_key else None
        endpoint = RemoteEndpoint(name, address.base, place, str(ca_file.resolve()) if ca_file else None)
        others = [e for e in self.all() if e.name.lower() != name.lower()]
        if not api_key:
            self._forget_key(name)
        self._write([*others, endpoint])
        return endpoint

    def remove(self, name: str) -> RemoteEndpoint:
        endpoint = self.get(name)
        self._write([e for e in self.all() if e.name != endpoint.name])
        self._forget_key(endpoint.name)
        return endpoint

    def _write(self, endpoints: list[RemoteEndpoint]) -> None:
        write_private(self.path, json.dumps({"endpoints": [e.as_dict() for e in endpoints]}, indent=2))

    # -- keys ------------------------------------------------------------------------------

    def key_for(self, endpoint: RemoteEndpoint) -> str | None:
        if endpoint.key == "keychain":
            try:
                key = keyring.get_password(KEYCHAIN_SERVICE, endpoint.name)
            except Exception as exc:  # keyring's backends raise more than KeyringError (D-Bus, Secret Service)
                raise HearthError(
                    f"The keychain holding {endpoint.name}'s API key cannot be read ({type(exc).__name__})."
                ) from exc
            if not key:
                raise HearthError(f"{endpoint.name}'s API key is no longer in the keychain; add the endpoint again.")
            return key
        if endpoint.key == "file":
            key = self._file_keys().get(endpoint.name)
            if not key:
                raise HearthError(f"{endpoint.name}'s API key is missing from {KEYS_FILE}; add the endpoint again.")
            return key
        return None

    def _store_key(self, name: str, key: str) -> KeyPlace:
        if _keychain_usable():
            try:
                keyring.set_password(KEYCHAIN_SERVICE, name, key)
                if keyring.get_password(KEYCHAIN_SERVICE, name) == key:
                    self._write_file_keys({k: v for k, v in self._file_keys().items() if k != name})
                    return "keychain"
            except Exception as exc:  # any backend's failure: the private file serves instead
                log.info("The keychain refused the API key (%s); keeping it in a private file", type(exc).__name__)
        self._write_file_keys({**self._file_keys(), name: key})
        return "file"

    def _forget_key(self, name: str) -> None:
        if _keychain_usable():
            try:
                keyring.delete_password(KEYCHAIN_SERVICE, name)
            except keyring.errors.PasswordDeleteError:
                pass  # it was not there
            except Exception as exc:  # a keychain that cannot be reached keeps nothing of ours to delete now
                log.info("Could not remove an API key from the keychain (%s)", type(exc).__name__)
        keys = self._file_keys()
        if name in keys:
            del keys[name]
            self._write_file_keys(keys)

    def _file_keys(self) -> dict[str, str]:
        try:
            raw = json.loads(self._keys_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict):
            return {}
        return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}

    def _write_file_keys(self, keys: dict[str, str]) -> None:
        if keys or self._keys_path.exists():
            write_private(self._keys_path, json.dumps(keys))


def _keychain_usable() -> bool:
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration: no keychain
        return False
    return getattr(backend, "priority", 1) > 0 and not type(backend).__module__.startswith("keyring.backends.fail")


def _endpoint_from(entry: object) -> RemoteEndpoint:
    if not isinstance(entry, dict):
        raise TypeError("not an object")
    name = check_endpoint_name(str(entry["name"]))
    url = parse_endpoint_url(str(entry["url"])).base
    key = entry.get("key") if entry.get("key") in ("keychain", "file") else None
    ca_file = entry.get("ca_file") if isinstance(entry.get("ca_file"), str) else None
    return RemoteEndpoint(name, url, key, ca_file)
