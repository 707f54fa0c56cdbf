"""`hearth models remote ...` and `hearth chat -m remote:NAME/MODEL` as a user runs them, against
Hearth's own server on 127.0.0.1 (serving the starter) and a scripted fake engine."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.server import LocalServer
from models.engine import Engine, EngineWorker, ModelInfo
from tests.e2e.test_cli import QUESTION, hearth
from tests.fixtures.remote_engines import FakeServer, chunk, fake_engine, hearth_engine, models_list, streams

KEY = "sk-remote-test-4f9a1c"
STARTER = "SmolLM2-135M-Instruct.Q4_1"  # the id Hearth's server lists the starter under


@pytest.fixture(scope="module")
def starter_served(starter_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    worker = EngineWorker(Engine())
    done = threading.Event()
    result: list[object] = []
    worker.load(starter_model, lambda info: (result.append(info), done.set()),
                lambda message, _still: (result.append(message), done.set()))
    assert done.wait(240) and isinstance(result[0], ModelInfo), result
    with hearth_engine(worker, tmp_path_factory.mktemp("served"), api_key=KEY) as server:
        yield server
    worker.shutdown()


@pytest.fixture
def engine() -> Iterator[FakeServer]:
    with fake_engine() as server:
        yield server


def key_file(tmp_path: Path, key: str = KEY) -> str:
    path = tmp_path / "key.txt"
    path.write_text(key + "\n")
    return str(path)


@pytest.mark.starter
def test_add_list_chat_and_remove_a_remote_hearth(starter_served: LocalServer, tmp_path: Path,
                                                  hearth_home: Path) -> None:
    added = hearth("models", "remote", "add", "box", str(starter_served.url), "--api-key-file", key_file(tmp_path))
    assert added.returncode == 0, added.stderr
    assert f"remote:box/{STARTER}" in added.stdout and "Saved box" in added.stderr

    listed = hearth("models", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    remote = [row for row in json.loads(listed.stdout) if row.get("origin") == "remote"]
    assert any(row["name"] == f"remote:box/{STARTER}" and row["host"].startswith("127.0.0.1:") for row in remote)
    assert "remote · 127.0.0.1:" in hearth("models", "list").stdout

    answer = hearth("chat", "-m", f"remote:box/{STARTER}", "--temperature", "0", "--seed", "1", "--max-tokens", "8",
                    "--stats", QUESTION)
    assert answer.returncode == 0, answer.stderr
    assert "Paris" in answer.stdout and "tok/s" in answer.stderr and "tok/s" not in answer.stdout

    # The key is in no settings file, no log and no database: only the private key file (no keychain here).
    config = hearth_home / "config"
    assert KEY not in (config / "remote_endpoints.json").read_text()
    for path in hearth_home.rglob("*"):
        if path.is_file() and path.name != "remote_keys.json":
            assert KEY.encode() not in path.read_bytes(), path
    keys = config / "remote_keys.json"
    assert stat.S_IMODE(os.stat(keys).st_mode) == 0o600 and KEY in keys.read_text()

    removed = hearth("models", "remote", "rm", "box")
    assert removed.returncode == 0, removed.stderr
    assert KEY not in keys.read_text()
    assert hearth("models", "remote", "list", "--json").stdout.strip() == "[]"


def test_max_tokens_and_seed_reach_the_engine(engine: FakeServer, hearth_home: Path) -> None:
    engine.scripts["/v1/models"] = models_list("llama-3.3-70b")
    engine.scripts["/v1/chat/completions"] = streams(chunk(reasoning="Thinking."), chunk("Done.", finish="stop"))
    assert hearth("models", "remote", "add", "gpu", engine.url).returncode == 0
    result = hearth("chat", "-m", "remote:gpu/llama-3.3-70b", "--max-tokens", "5", "--seed", "9",
                    "--temperature", "0.3", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "<think>Thinking.</think>Done.\n"
    sent = json.loads(engine.requests[-1][3])
    assert (sent["max_tokens"], sent["seed"], sent["temperature"]) == (5, 9, 0.3)


@pytest.mark.parametrize(("script", "said"), [
    (lambda h: h.reply(401, {"error": {"message": "no"}}), "wants an API key (HTTP 401)"),
    (lambda h: h.reply(404, {"error": {"message": "The model `x` does not exist."}}), "does not serve the model 'x'"),
    (streams(chunk("Half"), done=False), "closed the connection mid-answer"),
    (lambda h: (h.start_stream(), h.send(b"data: {oops\n\n")), "not JSON"),
])
def test_failures_are_one_line(engine: FakeServer, hearth_home: Path, script: object, said: str) -> None:
    engine.scripts["/v1/chat/completions"] = script  # type: ignore[assignment]
    assert hearth("models", "remote", "add", "gpu", engine.url).returncode == 0
    result = hearth("chat", "-m", "remote:gpu/x", "hello")
    assert result.returncode == 1
    assert said in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("hearth: ")


def test_refusals_in_plain_words(hearth_home: Path, tmp_path: Path) -> None:
    refused = hearth("models", "remote", "add", "gpu", "http://127.0.0.1:9")
    assert refused.returncode == 0  # saved; the note says why its models are not listed
    assert "refused the connection" in refused.stderr
    assert "No remote endpoint is called 'nope'" in hearth("chat", "-m", "remote:nope/x", "hi").stderr
    assert "names no remote model" in hearth("chat", "-m", "remote:gpu", "hi").stderr
    assert "over http or https" in hearth("models", "remote", "add", "x", "ftp://host/v1").stderr
    assert "user name and password" in hearth("models", "remote", "add", "x", "http://u:p@host/v1").stderr
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert "API key is empty" in hearth("models", "remote", "add", "x", "http://h", "--api-key-file", str(empty)).stderr
    assert "local models only" in hearth("chat", "-m", "remote:gpu/x", "--dry-run", "hi").stderr


def test_offline_mode_blocks_remote_endpoints_but_not_loopback(engine: FakeServer, hearth_home: Path) -> None:
    (hearth_home / "config").mkdir(parents=True, exist_ok=True)
    (hearth_home / "config" / "settings.json").write_text(json.dumps({"offline": True}))
    engine.scripts["/v1/models"] = models_list("m")
    engine.scripts["/v1/chat/completions"] = streams(chunk("local ok", finish="stop"))
    assert hearth("models", "remote", "add", "far", "https://llm.example.org/v1").returncode == 0
    assert hearth("models", "remote", "add", "near", engine.url.replace("127.0.0.1", "localhost")).returncode == 0
    result = hearth("chat", "-m", "remote:far/m", "hi")
    assert result.returncode == 1 and "Offline mode is on" in result.stderr
    assert hearth("chat", "-m", "remote:near/m", "hi").stdout == "local ok\n"
    listed = hearth("models", "remote", "list")
    assert "Offline mode is on" in listed.stdout and "remote:near/m" in listed.stdout
