"""Saved endpoints: addresses in a settings file, keys in the keychain or a 0600 file of their own."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from desktop.errors import HearthError
from desktop.remotes import RemoteEndpoints, is_remote_ref, parse_remote_ref
from desktop.remotes.store import KEYCHAIN_SERVICE
from models.errors import RemoteError
from models.remote import parse_endpoint_url
from tests.fixtures.keyrings import FailingKeyring, MemoryKeyring

KEY = "sk-test-0123456789"


def using(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> Iterator[KeyringBackend]:
    yield from using(MemoryKeyring())


@pytest.fixture
def failing_keyring() -> Iterator[KeyringBackend]:
    yield from using(FailingKeyring())


def test_the_key_goes_to_the_keychain_never_the_settings(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    endpoints = RemoteEndpoints(tmp_path)
    endpoint = endpoints.add("gpu", "gpu-box:8000", KEY)
    assert endpoint.key == "keychain" and endpoint.url == "http://gpu-box:8000/v1"
    assert memory_keyring.entries[(KEYCHAIN_SERVICE, "gpu")] == KEY
    assert KEY not in endpoints.path.read_text() and not (tmp_path / "remote_keys.json").exists()
    assert stat.S_IMODE(os.stat(endpoints.path).st_mode) == 0o600
    assert endpoints.key_for(endpoints.get("GPU")) == KEY  # names match whatever the case
    endpoints.remove("gpu")
    assert not memory_keyring.entries and endpoints.all() == []


def test_without_a_keychain_the_key_lives_in_a_private_file(tmp_path: Path, failing_keyring: object) -> None:
    endpoints = RemoteEndpoints(tmp_path)
    assert endpoints.add("gpu", "https://llm.example.org/v1/", KEY).key == "file"
    keys = tmp_path / "remote_keys.json"
    assert stat.S_IMODE(os.stat(keys).st_mode) == 0o600 and json.loads(keys.read_text()) == {"gpu": KEY}
    assert KEY not in endpoints.path.read_text()
    endpoints.add("gpu", "https://llm.example.org/v1")  # added again without a key: the old one goes
    assert json.loads(keys.read_text()) == {}
    assert endpoints.key_for(endpoints.get("gpu")) is None


class BrokenKeyring(MemoryKeyring):
    """A backend that fails with something else than KeyringError (as D-Bus backends can)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyError("HEARTH_TEST_KEYRING_FILE")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError("no session bus")


def test_a_keychain_that_breaks_oddly_falls_back_to_the_private_file(tmp_path: Path) -> None:
    for _ in using(BrokenKeyring()):
        endpoints = RemoteEndpoints(tmp_path)
        assert endpoints.add("gpu", "http://gpu:8000", KEY).key == "file"
        assert endpoints.key_for(endpoints.get("gpu")) == KEY
        endpoints.remove("gpu")
        assert endpoints.all() == []


def test_a_damaged_file_loses_nothing_else(tmp_path: Path) -> None:
    endpoints = RemoteEndpoints(tmp_path)
    endpoints.path.write_text(json.dumps({"endpoints": [
        {"name": "ok", "url": "http://a:1/v1"}, {"name": "bad name!", "url": "http://b/v1"}, "junk",
        {"name": "ftp", "url": "ftp://c/v1"}]}))
    assert [e.name for e in endpoints.all()] == ["ok"]
    endpoints.path.write_text("{not json")
    assert endpoints.all() == []
    with pytest.raises(HearthError, match="No remote endpoint is called 'x'"):
        endpoints.get("x")


@pytest.mark.parametrize(("text", "base"), [
    ("http://gpu-box:8000", "http://gpu-box:8000/v1"),
    ("localhost:11434/v1/", "http://localhost:11434/v1"),
    ("https://llm.example.org/v1/chat/completions", "https://llm.example.org:443/v1"),
    ("http://[::1]:8080/v1", "http://[::1]:8080/v1"),
])
def test_addresses_as_users_paste_them(text: str, base: str) -> None:
    assert parse_endpoint_url(text).base == base


def test_loopback_and_badges() -> None:
    assert parse_endpoint_url("http://localhost:8080").loopback
    assert parse_endpoint_url("http://127.0.0.2:8080").loopback and parse_endpoint_url("http://[::1]:1").loopback
    assert not parse_endpoint_url("http://192.168.1.20:8000").loopback
    assert parse_endpoint_url("https://llm.example.org/v1").shown_host == "llm.example.org"
    assert parse_endpoint_url("http://gpu:8000").shown_host == "gpu:8000"


@pytest.mark.parametrize(("text", "said"), [
    ("", "Give the endpoint's address"),
    ("http://host/v1 extra", "spaces or control characters"),
    ("file:///etc/passwd", "not file"),
    ("http://user:pw@host/v1", "user name and password"),
    ("http://host:99999/v1", "not a usable address"),
    ("http://host/v1?x=1", "without '?'"),
])
def test_bad_addresses_are_one_sentence(text: str, said: str) -> None:
    with pytest.raises(RemoteError, match=said):
        parse_endpoint_url(text)


def test_model_references() -> None:
    ref = parse_remote_ref("remote:gpu/Qwen/Qwen3-32B")
    assert (ref.endpoint, ref.model, str(ref)) == ("gpu", "Qwen/Qwen3-32B", "remote:gpu/Qwen/Qwen3-32B")
    assert is_remote_ref("remote:x/y") and not is_remote_ref("tiny.gguf")
    with pytest.raises(HearthError, match="names no remote model"):
        parse_remote_ref("remote:gpu")
