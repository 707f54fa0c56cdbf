"""`hearth serve` as a user runs it: a separate process that serves until Ctrl+C."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from tests.e2e.test_cli import HEARTH, hearth
from tests.fixtures.openai_clients import openai_client
from tests.fixtures.tiny_gguf import write_tiny_model

SERVING = re.compile(r"Serving (\S+) at (http://\S+/v1)")
SECRET = "a prompt that must never reach the log"


class Serving:
    """A running `hearth serve`; its stderr is read line by line as it comes."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen([HEARTH, "serve", *args], stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=os.environ)
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        assert self.process.stderr is not None
        stream = self.process.stderr
        self._reader = threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True)
        self._reader.start()

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 180) -> re.Match[str]:
        while True:
            line = self.lines.get(timeout=timeout)
            self.stderr.append(line)
            if match := pattern.search(line):
                return match

    def stop(self) -> tuple[int, str, str]:
        """Ctrl+C; the exit code, all of stderr and stdout."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(60)
        assert self.process.stdout is not None and self.process.stderr is not None
        stdout = self.process.stdout.read()
        self.process.stdout.close()
        self._reader.join(60)  # it ends at the end of stderr
        self.process.stderr.close()
        while not self.lines.empty():
            self.stderr.append(self.lines.get())
        return code, "".join(self.stderr), stdout


@pytest.fixture
def offline_settings(hearth_home: Path) -> Iterator[None]:
    config = hearth_home / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"offline": True}))
    yield


def test_serve_answers_on_loopback_even_offline_and_logs_numbers_only(tmp_path: Path, offline_settings: None) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    server = Serving("-m", str(model), "--port", "0")
    try:
        name, url = server.wait_for(SERVING).groups()
        assert name == "tiny" and url.startswith("http://127.0.0.1:")
        api = openai_client(url, "unused")
        answer = api.chat.completions.create(model=name, messages=[{"role": "user", "content": SECRET}], max_tokens=3)
        assert answer.usage is not None and answer.usage.completion_tokens == 3
        server.wait_for(re.compile(r"POST /v1/chat/completions 200 .*completion=3 tokens"))
    finally:
        code, stderr, stdout = server.stop()
    assert code == 0 and "Stopping" in stderr and stdout == ""
    assert SECRET not in stderr and (answer.choices[0].message.content or "\0") not in stderr


def test_offline_mode_keeps_the_server_on_this_machine(offline_settings: None) -> None:
    result = hearth("serve", "--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 1
    assert "Offline mode is on" in result.stderr and "Traceback" not in result.stderr


def test_the_network_needs_a_key_made_once_and_shown_once(tmp_path: Path, hearth_home: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    server = Serving("-m", str(model), "--host", "0.0.0.0", "--port", "0")
    try:
        _name, url = server.wait_for(SERVING).groups()
        key_file = hearth_home / "config" / "server-api-key"
        key = key_file.read_text().strip()
        shown = "".join(server.stderr)
        assert f"New API key (shown once; kept in {key_file}" in shown and key in shown
        assert "Warning: other devices on your network" in shown
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        local = url.replace(url.split("/")[2].split(":")[0], "127.0.0.1")
        with pytest.raises(openai.AuthenticationError):
            openai_client(local, "guess").models.list()
        assert [m.id for m in openai_client(local, key).models.list()] == ["tiny"]
    finally:
        assert server.stop()[0] == 0
    again = Serving("-m", str(model), "--host", "0.0.0.0", "--port", "0")
    try:
        again.wait_for(SERVING)
        assert key not in "".join(again.stderr) and "Clients need the API key in" in "".join(again.stderr)
    finally:
        again.stop()
