"""`hearth docs ...` as a user runs it: a separate process, results on stdout, progress on stderr."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.documents import write_malformed, write_pdf

HEARTH = shutil.which("hearth", path=str(Path(sys.executable).parent)) or "hearth"


@pytest.fixture(autouse=True)
def _starter_embedding_made_already(starter_embedding: Path | None) -> Path | None:
    """The data folder's cache holds the starter embedding model, as after a first run."""
    return starter_embedding


def docs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARTH, "docs", *args], capture_output=True, text=True, timeout=180, env=os.environ)


def test_chat_answers_from_a_collection_and_cites_it(library: Path, tiny_model: Path) -> None:
    assert docs("add", str(library), "--collection", "Home").returncode == 0
    base = [HEARTH, "chat", "-m", str(tiny_model), "--docs", "Home"]
    prompt = subprocess.run([*base, "--dry-run", "How often should the filter be cleaned?"],
                            capture_output=True, text=True, timeout=180, env=os.environ)
    assert prompt.returncode == 0, prompt.stderr
    assert "Clean the filter every month." in prompt.stdout  # the source is in what the model reads
    assert "manual.pdf" in prompt.stdout and "[1]" in prompt.stdout
    answer = subprocess.run([*base, "--max-tokens", "4", "How often should the filter be cleaned?"],
                            capture_output=True, text=True, timeout=180, env=os.environ)
    assert answer.returncode == 0, answer.stderr
    assert "Sources:\n[1] manual.pdf, page 2" in answer.stdout


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    write_pdf(folder / "manual.pdf", ["The pump starts when the float rises.", "Clean the filter every month."])
    (folder / "notes.md").write_text("# Boiler\n\nThe pressure should read 1.5 bar.\n")
    return folder


def test_add_list_search_and_remove(library: Path, hearth_home: Path) -> None:
    added = docs("add", str(library), "--collection", "Home", "--json")
    assert added.returncode == 0, added.stderr
    report = json.loads(added.stdout)
    assert (report["indexed"], report["failed"], report["embedded"]) == (2, 0, True)
    # Semantic search offline, with no model installed: the starter embedding model.
    assert "Semantic search with all-MiniLM-L6-v2 (starter)" in added.stderr
    index = hearth_home / "documents.sqlite3"
    assert stat.S_IMODE(index.stat().st_mode) == 0o600

    listed = json.loads(docs("list", "--json").stdout)
    assert [(c["name"], c["ready"]) for c in listed] == [("Home", 2)]
    files = json.loads(docs("list", "--collection", "home", "--json").stdout)
    assert {Path(f["path"]).name: f["status"] for f in files} == {"manual.pdf": "ready", "notes.md": "ready"}

    found = docs("search", "how often to clean the filter", "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits[0]["file_name"] == "manual.pdf" and hits[0]["page"] == 2 and hits[0]["location"] == "page 2"
    text = docs("search", "boiler pressure")
    assert text.stdout.startswith("[1] notes.md, Boiler — ")

    again = json.loads(docs("add", str(library), "--collection", "Home", "--json").stdout)
    assert (again["indexed"], again["unchanged"]) == (0, 2)

    removed = docs("rm", str(library / "notes.md"), "--json")
    assert json.loads(removed.stdout)["removed_files"] == 1
    assert json.loads(docs("list", "--json").stdout)[0]["ready"] == 1
    gone = docs("rm", "--collection", "Home")
    assert gone.returncode == 0 and "Deleted the collection Home" in gone.stdout
    assert json.loads(docs("list", "--json").stdout) == []


def test_unreadable_files_are_listed_with_reasons_and_exit_1(library: Path, tmp_path: Path) -> None:
    bad = write_malformed(tmp_path / "bad")
    result = docs("add", str(library), *(str(p) for p in bad.values()))
    assert result.returncode == 1
    assert result.stdout.startswith("Documents: 2 indexed, 5 failed")
    assert f"failed  {bad['truncated_pdf']}: the PDF is damaged or incomplete" in result.stdout
    assert f"failed  {bad['zip_not_docx']}: it is not a valid Word document (.docx)" in result.stdout
    assert "files]" in result.stderr or "Looking for files" in result.stderr  # progress goes to stderr


def test_errors_are_one_line(tmp_path: Path) -> None:
    missing = docs("add", str(tmp_path / "nowhere"))
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"hearth: No such file or folder: {tmp_path / 'nowhere'}."
    unknown = docs("search", "x", "--collection", "Nope")
    assert unknown.returncode == 1 and unknown.stderr.count("\n") == 1
    assert "no document collection 'Nope'" in unknown.stderr
