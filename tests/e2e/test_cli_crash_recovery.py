"""`hearth chat` dies inside the engine (a real SIGSEGV, at load or mid-answer); the next run says
what crashed, answers in safe mode and remembers it; `hearth models info` shows it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import HEARTH

SAFE = "safe mode (CPU only, no extra CPU kernels, no flash attention, a context of at most 2,048 tokens)"


def hearth(*args: str, crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_TEST_CRASH")}
    if crash:
        env["HEARTH_TEST_CRASH"] = crash
    return subprocess.run([HEARTH, *args], capture_output=True, text=True, timeout=180, env=env)


@pytest.mark.parametrize(("step", "doing"), [("load", "loading"), ("generate", "answering with")])
def test_the_run_after_a_crash_says_so_answers_in_safe_mode_and_remembers_it(
    step: str, doing: str, tiny_model: Path, hearth_home: Path
) -> None:
    chat = ("chat", "-m", str(tiny_model), "--max-tokens", "4", "--stats", "a private question")
    crashed = hearth(*chat, crash=step)
    assert crashed.returncode == -11, crashed.stderr
    assert "Fatal Python error: Segmentation fault" in (hearth_home / "logs" / "hearth.log").read_text()

    after = hearth(*chat)
    assert after.returncode == 0, after.stderr
    assert f"Note: Hearth stopped unexpectedly while {doing} tiny-chatml on CPU (Segmentation fault)." in after.stderr
    assert f"Loading tiny-chatml.gguf in {SAFE}…" in after.stderr
    assert "in safe mode: prompt" in after.stderr and "generated 4 tokens" in after.stderr
    assert "safe mode works with tiny-chatml; Hearth remembers it" in after.stderr
    assert after.stdout.strip()

    info = hearth("models", "info", str(tiny_model), "--json")
    assert json.loads(info.stdout)["safe_mode"].startswith("on since")
    assert "(works, remembered): Hearth stopped unexpectedly while" in json.loads(info.stdout)["safe_mode"]

    again = hearth(*chat)  # remembered: safe mode without a word about the old crash
    assert "stopped unexpectedly" not in again.stderr and f"in {SAFE}" in again.stderr

    report = hearth("diagnostics")
    assert report.returncode == 0, report.stderr
    assert "Last crash:" in report.stdout and "Segmentation fault" in report.stdout
    assert "llama.cpp system info: CPU :" in report.stdout and "CPU kernels: extra CPU kernels" in report.stdout
    assert "private question" not in report.stdout


def test_no_safe_mode_loads_normally_and_forgets_it_when_that_works(tiny_model: Path) -> None:
    chat = ("chat", "-m", str(tiny_model), "--max-tokens", "2", "hi")
    assert hearth(*chat, crash="generate").returncode == -11
    assert "in safe mode" in hearth(*chat).stderr
    normal = hearth(*chat, "--no-safe-mode")
    assert normal.returncode == 0, normal.stderr
    assert "Loading tiny-chatml.gguf…" in normal.stderr
    assert "answered with the normal settings; safe mode is forgotten for it" in normal.stderr
    assert json.loads(hearth("models", "info", str(tiny_model), "--json").stdout)["safe_mode"] == "off"


def test_a_crash_in_safe_mode_is_said_without_offering_it_again(tiny_model: Path) -> None:
    chat = ("chat", "-m", str(tiny_model), "--max-tokens", "2", "--safe-mode", "hi")
    assert hearth(*chat, crash="generate").returncode == -11
    after = hearth(*chat)
    assert "it was in safe mode already" in after.stderr and "loads in safe mode from now on" not in after.stderr
