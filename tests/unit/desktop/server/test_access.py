"""Who may use the server: this machine only by default; beyond it only with the API key; web
pages only from listed origins; a DNS-rebinding Host is refused; the key file is private."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import openai
import pytest

from desktop.server import (
    ApiKeyError,
    LocalServer,
    ServerConfig,
    ServerError,
    is_loopback,
    keys_match,
    load_or_create_key,
    read_key,
)
from models.engine import EngineWorker
from tests.unit.desktop.server.conftest import client, error_of, request

HELLO = {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
CHAT = "/v1/chat/completions"


def test_loopback_is_private_by_default_and_other_addresses_need_a_key() -> None:
    assert ServerConfig().host == "127.0.0.1" and ServerConfig().loopback
    assert [is_loopback(h) for h in ("127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost", "0.0.0.0", "192.168.1.2",
                                     "example.com")] == [True, True, True, True, True, False, False, False]
    with pytest.raises(ServerError, match="needs an API key"):
        ServerConfig(host="0.0.0.0").check()
    ServerConfig(host="0.0.0.0", api_key="k").check()


def test_beyond_loopback_the_key_is_required_and_checked(tiny_worker: EngineWorker,
                                                          serve: Callable[..., LocalServer]) -> None:
    server = serve(tiny_worker, host="0.0.0.0", api_key="hearth-right-key")
    with pytest.raises(openai.AuthenticationError) as refused:
        client(server, key="hearth-wrong-key").chat.completions.create(model="tiny", messages=HELLO["messages"])
    assert refused.value.status_code == 401 and "Incorrect API key" in str(refused.value)
    status, headers, answer = request(server, "POST", CHAT, HELLO)
    assert status == 401 and headers["www-authenticate"] == "Bearer"
    assert error_of(answer)["code"] == "invalid_api_key"
    answer_ok = client(server, key="hearth-right-key").chat.completions.create(model="tiny", messages=HELLO["messages"],
                                                                               max_tokens=2)
    assert answer_ok.usage is not None and answer_ok.usage.completion_tokens == 2
    assert request(server, "GET", "/health")[0] == 200  # says only whether a model is ready


def test_a_key_on_loopback_is_required_too(tiny_worker: EngineWorker, serve: Callable[..., LocalServer]) -> None:
    server = serve(tiny_worker, api_key="secret")
    assert request(server, "GET", "/v1/models")[0] == 401
    assert request(server, "GET", "/v1/models", headers={"Authorization": "Bearer secret"})[0] == 200


def test_web_pages_only_from_listed_origins(tiny_worker: EngineWorker, serve: Callable[..., LocalServer]) -> None:
    server = serve(tiny_worker, cors_origins=("http://localhost:3000",))
    status, headers, answer = request(server, "POST", CHAT, HELLO, headers={"Origin": "https://evil.example"})
    assert status == 403 and error_of(answer)["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in headers
    status, headers, _answer = request(server, "POST", CHAT, HELLO, headers={"Origin": "http://localhost:3000"})
    assert status == 200 and headers["access-control-allow-origin"] == "http://localhost:3000"
    status, headers, _answer = request(server, "OPTIONS", CHAT, headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert status == 204 and headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "POST" in headers["access-control-allow-methods"]


def test_no_cors_unless_origins_are_listed(tiny_worker: EngineWorker, serve: Callable[..., LocalServer]) -> None:
    server = serve(tiny_worker)
    status, headers, _answer = request(server, "GET", "/v1/models", headers={"Origin": "http://localhost:3000"})
    assert status == 403 and "access-control-allow-origin" not in headers
    status, headers, _answer = request(server, "GET", "/v1/models")
    assert status == 200 and "access-control-allow-origin" not in headers


def test_a_rebound_host_name_is_refused_on_loopback(tiny_worker: EngineWorker,
                                                    serve: Callable[..., LocalServer]) -> None:
    server = serve(tiny_worker)
    status, _headers, answer = request(server, "GET", "/v1/models", headers={"Host": "attacker.example:8080"})
    assert status == 403 and error_of(answer)["code"] == "host_not_allowed"
    assert request(server, "GET", "/v1/models", headers={"Host": f"localhost:{server.port}"})[0] == 200


def test_a_port_in_use_is_one_clear_sentence(tiny_worker: EngineWorker, models_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServerError, match=f"Port {port} is in use by another program"):
            LocalServer(tiny_worker, ServerConfig(port=port), models_dir).start()


def test_the_key_file_is_made_once_private_and_compared_in_constant_time(tmp_path: Path) -> None:
    path = tmp_path / "config" / "server-api-key"
    key, created = load_or_create_key(path)
    assert created and key.startswith("hearth-") and len(key) > 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == (key, False)
    assert keys_match(key, key) and not keys_match(key, key[:-1]) and not keys_match(key, key + "x")
    path.write_text("\n")
    with pytest.raises(ApiKeyError, match="one key on one line"):
        read_key(path)
    with pytest.raises(ApiKeyError, match="does not exist"):
        read_key(tmp_path / "missing")


def test_a_key_file_others_can_read_is_used_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "key"
    path.write_text("hearth-abc\n")
    os.chmod(path, 0o644)
    assert read_key(path) == "hearth-abc"
    assert "readable by other users" in caplog.text
