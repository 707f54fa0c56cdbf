"""`hearth` as a user runs it: a separate process, answers on stdout, diagnostics on stderr."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

HEARTH = shutil.which("hearth", path=str(Path(sys.executable).parent)) or "hearth"
QUESTION = "What is the capital of France? Answer in one word."


def hearth(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARTH, *args], capture_output=True, text=True, input=input, timeout=180, env=os.environ)


@pytest.mark.starter
def test_chat_streams_the_answer_to_stdout() -> None:
    result = hearth("chat", "--temperature", "0", "--stats", QUESTION)
    assert result.returncode == 0, result.stderr
    assert "Paris" in result.stdout
    assert "Loading" in result.stderr and "tok/s" in result.stderr and "first token after" in result.stderr
    assert "tok/s" not in result.stdout


@pytest.mark.starter
def test_dry_run_prints_the_exact_prompt() -> None:
    result = hearth("chat", "-s", "Be brief.", "--dry-run", QUESTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n{QUESTION}<|im_end|>\n<|im_start|>assistant\n"
    )


def test_chat_reads_the_prompt_from_stdin(tiny_model: Path) -> None:
    result = hearth("chat", "-m", str(tiny_model), "--dry-run", input="from a pipe")
    assert result.returncode == 0, result.stderr
    assert "<|im_start|>user\nfrom a pipe<|im_end|>" in result.stdout


def test_max_tokens_seed_and_ctx(tiny_model: Path) -> None:
    args = ("chat", "-m", str(tiny_model), "--seed", "3", "--temperature", "1", "--max-tokens", "12", "--ctx", "512",
            "--stats", "hi")
    first, second = hearth(*args), hearth(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert "generated 12 tokens" in first.stderr


def test_a_broken_model_is_one_line_and_exit_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF")
    result = hearth("chat", "-m", str(broken), "hi")
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == "hearth: Cannot use model broken.gguf: the file is truncated (its header ends early)."
    assert result.stdout == ""


def test_an_unknown_model_name_lists_what_is_installed() -> None:
    result = hearth("chat", "-m", "no-such-model", "hi")
    assert result.returncode == 1
    assert "'no-such-model' is neither a file nor an installed model" in result.stderr


def test_installed_models_are_found_by_name(tiny_model: Path, hearth_home: Path) -> None:
    (hearth_home / "models").mkdir(parents=True)
    shutil.copy(tiny_model, hearth_home / "models" / "My-Tiny-Q8.gguf")
    listing = hearth("models", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    assert "My-Tiny-Q8" in [row["name"] for row in json.loads(listing.stdout)]
    info = hearth("models", "info", "my-tiny-q8", "--json")
    assert json.loads(info.stdout)["architecture"] == "llama"
    assert hearth("chat", "-m", "My-Tiny-Q8", "--max-tokens", "3", "hi").returncode == 0


def test_bench_reports_json(tiny_model: Path) -> None:
    result = hearth("bench", "-m", str(tiny_model), "--json", "--runs", "1")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["prompt_tokens_per_s"] > 0
    assert figures["generation_tokens_per_s"] > 0
    assert figures["time_to_first_token_ms"] > 0
    assert figures["generated_tokens"] == 128


def test_ctrl_c_stops_the_answer_and_keeps_what_came(tmp_path: Path) -> None:
    # A long context: the random model streams for seconds until it is full.
    model = write_tiny_model(tmp_path / "long.gguf", TinyModelSpec(context_length=8192))
    proc = subprocess.Popen([HEARTH, "chat", "-m", str(model), "--temperature", "0", "hi"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.read(1)  # the answer has started
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err


def test_version() -> None:
    result = hearth("--version")
    assert result.returncode == 0 and result.stdout.startswith("Hearth ")


def test_an_embedding_model_cannot_chat(embedding_gguf: Path) -> None:
    result = hearth("chat", "-m", str(embedding_gguf), "hi")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"hearth: Cannot use model {embedding_gguf.name}: it is an embedding model, used to search your "
        "documents, not to chat."
    )
    assert result.stdout == "" and "Traceback" not in result.stderr
