"""Hostile model files at the command line: `hearth models import` and `hearth chat` refuse each
fuzzed header in one line and a non-zero exit, with no signal (llama.cpp never gets to abort),
and nothing is registered or copied; hostile chat templates end the same way."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.gguf_fuzz import HOSTILE_HEADERS, rewrite
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

HEARTH = shutil.which("hearth", path=str(Path(sys.executable).parent)) or "hearth"
# One process runs every variant through the real command-line entry point: if any of them
# aborted (a GGML_ASSERT), the process would die by a signal and the test would see it.
DRIVER = """
import contextlib, io, json, sys
from desktop.cli.main import main
results = []
for path in sys.argv[1:]:
    for command in (["models", "import", path], ["chat", "-m", path, "--max-tokens", "4", "hi"]):
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(command)
        results.append({"path": path, "command": command[0], "code": code, "stderr": err.getvalue(),
                        "stdout": out.getvalue()})
print(json.dumps(results))
"""


def hearth(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARTH, *args], capture_output=True, text=True, timeout=180, env=os.environ)


def registered(home: Path) -> list[Path]:
    """Manifests and copied model files: what an import leaves."""
    return sorted(p for p in home.rglob("*") if p.is_file() and p.parent.name in (".library", "imported"))


def test_every_fuzzed_header_is_refused_in_one_line(tmp_path: Path, hearth_home: Path) -> None:
    source = write_tiny_model(tmp_path / "tiny.gguf")
    variants = {rewrite(source, tmp_path / f"hostile-{n}.gguf", v.changes): v for n, v in enumerate(HOSTILE_HEADERS)}
    run = subprocess.run([sys.executable, "-c", DRIVER, *map(str, variants)], capture_output=True, text=True,
                         timeout=600, env=os.environ)
    assert run.returncode == 0, f"the process died (signal {-run.returncode})" if run.returncode < 0 else run.stderr
    for result in json.loads(run.stdout.splitlines()[-1]):
        variant = variants[Path(result["path"])]
        lines = result["stderr"].strip().splitlines()
        assert result["code"] == 1, (variant.name, result)
        assert lines[-1].startswith("hearth: Cannot use model hostile-"), (variant.name, lines)
        assert variant.reason in lines[-1], (variant.name, lines)
        assert "Traceback" not in result["stderr"] and result["stdout"] == ""
    assert registered(hearth_home) == []


@pytest.mark.parametrize("variant", [HOSTILE_HEADERS[0], HOSTILE_HEADERS[6]], ids=lambda v: v.name)
def test_a_hostile_file_in_its_own_process(tmp_path: Path, hearth_home: Path, variant: object) -> None:
    source = write_tiny_model(tmp_path / "tiny.gguf")
    path = rewrite(source, tmp_path / "hostile.gguf", variant.changes)  # type: ignore[attr-defined]
    for args in (("models", "import", str(path)), ("chat", "-m", str(path), "hi")):
        result = hearth(*args)
        assert result.returncode == 1, result
        assert result.stderr.strip().splitlines()[-1].startswith("hearth: Cannot use model hostile.gguf: ")
    assert registered(hearth_home) == []


HOSTILE_TEMPLATES = {
    "a 10 GB format width": "{{ '{0:>10000000000}'.format(messages[0]['content']) }}",
    "nested range loops": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}x",
    "lipsum(10**7)": "{{ lipsum(10**7) }}",
    "division by zero": "{{ 1 / 0 }}",
    "endless recursion": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "an empty prompt": "{% if false %}x{% endif %}",
}


@pytest.mark.parametrize("template", list(HOSTILE_TEMPLATES.values()), ids=list(HOSTILE_TEMPLATES))
def test_a_hostile_template_is_one_line_for_chat(tmp_path: Path, template: str) -> None:
    model = write_tiny_model(tmp_path / "templated.gguf", TinyModelSpec(chat_template=template))
    result = hearth("chat", "-m", str(model), "--max-tokens", "4", "hi")
    assert result.returncode == 1, result
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("hearth: ") and "chat template" in last, result.stderr
    assert "Traceback" not in result.stderr and result.stdout.strip() == ""


def test_import_checks_first_and_registers_nothing_it_refuses(tmp_path: Path, hearth_home: Path) -> None:
    source = write_tiny_model(tmp_path / "tiny.gguf")
    hostile = rewrite(source, tmp_path / "no-vocabulary.gguf", HOSTILE_HEADERS[10].changes)
    refused = hearth("models", "import", str(hostile))
    assert refused.returncode == 1 and "no vocabulary" in refused.stderr
    listed = hearth("models", "list", "--json")
    assert [row["name"] for row in json.loads(listed.stdout) if row["origin"] != "bundled"] == []
    assert registered(hearth_home) == []
    added = hearth("models", "import", str(source))
    assert added.returncode == 0, added.stderr
    assert len(registered(hearth_home)) == 2  # the copy and its manifest
