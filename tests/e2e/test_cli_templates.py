"""`hearth chat` and model families: the template doctor's token view, the known-good template
choice and the thinking switch, as a user runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.families import FAMILY_MODELS_BY_KEY, write_family_model

HEARTH = shutil.which("hearth", path=str(Path(sys.executable).parent)) or "hearth"


def hearth(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARTH, *args], capture_output=True, text=True, timeout=180, env=os.environ)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli-families")
    return {key: write_family_model(folder / f"{key}.gguf", FAMILY_MODELS_BY_KEY[key]) for key in ("gemma2", "qwen3")}


def test_show_tokens_marks_the_special_tokens(models: dict[str, Path]) -> None:
    result = hearth("chat", "-m", str(models["gemma2"]), "-s", "Be brief.", "--dry-run", "--show-tokens", "Hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "⟦<bos>⟧⟦<start_of_turn>⟧user\nBe brief.\n\nHi⟦<end_of_turn>⟧\n⟦<start_of_turn>⟧model\n"
    assert "Note: The system prompt was folded into the first user message" in result.stderr


def test_plain_dry_run_is_the_prompt_alone(models: dict[str, Path]) -> None:
    result = hearth("chat", "-m", str(models["gemma2"]), "-s", "Be brief.", "--dry-run", "Hi")
    assert result.stdout == "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n"


def test_thinking_can_be_switched_off(models: dict[str, Path]) -> None:
    off = hearth("chat", "-m", str(models["qwen3"]), "--no-thinking", "--dry-run", "Hi")
    default = hearth("chat", "-m", str(models["qwen3"]), "--dry-run", "Hi")
    assert off.stdout == default.stdout + "<think>\n\n</think>\n\n"
    answer = hearth("chat", "-m", str(models["qwen3"]), "--no-thinking", "--max-tokens", "3", "Hi")
    assert answer.returncode == 0, answer.stderr


def test_a_known_good_template_can_be_chosen(models: dict[str, Path]) -> None:
    result = hearth("chat", "-m", str(models["gemma2"]), "--template", "gemma", "-s", "Be brief.", "--dry-run", "Hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<bos><start_of_turn>user\nBe brief.\n\nHi")
    assert "Note:" not in result.stderr  # Gemma 3's template takes the system prompt itself


def test_an_unknown_template_is_one_line_and_exit_1(models: dict[str, Path]) -> None:
    result = hearth("chat", "-m", str(models["gemma2"]), "--template", "frobnicate", "Hi")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("hearth: There is no known-good template named")
