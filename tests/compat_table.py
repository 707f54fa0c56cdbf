"""The README's model compatibility table, generated from what the family tests exercise.

    python -m tests.compat_table            print the table (from the collected tests)
    python -m tests.compat_table --write    run the family tests; if all pass, write the table into README.md
    python -m tests.compat_table --check    exit 1 if README.md's table differs from the collected tests

A cell says ✓ only where a test marked `compat(<column>)` runs for that row's model
(tests/unit/models/families, parametrized over `model`); what a cell adds ("folded by Hearth",
"merged by Hearth", the reasoning style) is the expectation those tests assert, read from the
same registry (tests/fixtures/families.py). `--write` counts only tests that passed; `--check`
(the staleness test) collects without running, which matches whenever the suite is green.

This module is also the pytest plugin (`-p tests.compat_table`) that records, in a child
pytest process, which (model, column) pairs were collected and which failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from models.families import get_family
from tests.fixtures.families import FAMILY_MODELS, FamilyModel

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- compat-table:start -->", "<!-- compat-table:end -->"
_OUT = "HEARTH_COMPAT_OUT"

COLUMNS = (
    ("loads", "Loads & generates"),
    ("system", "System prompt"),
    ("alternation", "Two user messages in a row"),
    ("history", "History without reasoning"),
    ("generation-prompt", "Generation prompt"),
    ("reasoning", "Reasoning"),
    ("moe", "Mixture of experts"),
)

# -- the plugin, active in the child pytest process ---------------------------------------

_collected: set[tuple[str, str]] = set()
_failed: set[tuple[str, str]] = set()


def _cell_of(item: pytest.Item) -> tuple[str, str] | None:
    marker = item.get_closest_marker("compat")
    callspec = getattr(item, "callspec", None)
    if marker is None or callspec is None or "model" not in callspec.params:
        return None
    return callspec.params["model"].key, str(marker.args[0])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if cell := _cell_of(item):
            _collected.add(cell)


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    if call.excinfo is not None and (cell := _cell_of(item)):
        _failed.add(cell)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if out := os.environ.get(_OUT):
        data = {"collected": sorted(_collected), "failed": sorted(_failed), "exitstatus": int(exitstatus)}
        Path(out).write_text(json.dumps(data), encoding="utf-8")


# -- the table ---------------------------------------------------------------------------


def _code(text: str) -> str:
    return "`" + text.strip().replace("|", "\\|") + "`"


def _detail(model: FamilyModel, column: str) -> str:
    family = get_family(model.family)
    if column == "system":
        return {"native": "own turn", "template-folds": "folded by the template",
                "hearth-folds": "folded by Hearth"}[model.system]
    if column == "alternation":
        return {"accepted": "as sent", "hearth-merges": "merged by Hearth"}[model.consecutive]
    if column == "generation-prompt":
        return _code(model.answer_cue)
    if column == "reasoning":
        switch = ", switchable" if "enable_thinking" in model.template else ""
        return {"think": "`<think>`", "think-in-prompt": "`<think>` opened by the prompt",
                "harmony": "analysis channel → `<think>`", "none": ""}[family.reasoning] + switch
    if column == "moe":
        return f"{model.dims.n_expert} experts, {model.dims.n_expert_used} active"
    return ""


def table(passed: set[tuple[str, str]]) -> str:
    header = ["Model", "Family", "GGUF architecture", *(title for _key, title in COLUMNS)]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for model in FAMILY_MODELS:
        cells = [model.display_name, get_family(model.family).display_name, f"`{model.architecture}`"]
        for column, _title in COLUMNS:
            if (model.key, column) in passed:
                cells.append(" ".join(part for part in ("✓", _detail(model, column)) if part))
            else:
                cells.append("—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def exercised(run: bool) -> tuple[set[tuple[str, str]], dict[str, Any]]:
    """(model, column) pairs the family tests cover: collected, or (with `run`) passed."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "compat.json"
        command = [sys.executable, "-m", "pytest", "tests/unit/models/families", "-p", "tests.compat_table", "-q"]
        if not run:
            command.append("--collect-only")
        result = subprocess.run(command, cwd=ROOT, env={**os.environ, _OUT: str(out)}, capture_output=True, text=True)
        if not out.exists():
            raise SystemExit(f"The family tests did not run:\n{result.stdout}\n{result.stderr}")
        data = json.loads(out.read_text(encoding="utf-8"))
    data["output"] = result.stdout
    collected = {(key, column) for key, column in data["collected"]}
    failed = {(key, column) for key, column in data["failed"]}
    return collected - failed, data


def readme_table(text: str) -> str:
    start, end = text.index(START) + len(START), text.index(END)
    return text[start:end].strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.compat_table", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="run the family tests and write README.md's table")
    mode.add_argument("--check", action="store_true", help="exit 1 if README.md's table is stale")
    args = parser.parse_args(argv)
    passed, data = exercised(run=args.write)
    generated = table(passed)
    if args.write:
        if data["exitstatus"] != 0:
            print(data["output"], file=sys.stderr)
            print("The family tests fail; README.md is left as it is.", file=sys.stderr)
            return 1
        text = README.read_text(encoding="utf-8")
        start, end = text.index(START) + len(START), text.index(END)
        README.write_text(text[:start] + "\n" + generated + "\n" + text[end:], encoding="utf-8")
        print(f"Wrote the compatibility table ({len(FAMILY_MODELS)} models) into {README.name}.")
        return 0
    if args.check:
        current = readme_table(README.read_text(encoding="utf-8"))
        if current != generated:
            print("README.md's compatibility table is stale; regenerate it with `python -m tests.compat_table "
                  "--write`.\nExpected:\n" + generated, file=sys.stderr)
            return 1
        return 0
    print(generated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
