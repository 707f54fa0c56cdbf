"""`hearth docs add` against hostile documents and a data folder it cannot write: it reports what
it cannot index and goes on, Ctrl+C stops it at once, and every failure is one line."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.documents import write_many_paragraphs_docx

HEARTH = shutil.which("hearth", path=str(Path(sys.executable).parent)) or "hearth"


def hearth(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARTH, *args], capture_output=True, text=True, timeout=180, env=os.environ)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """`folder` cannot be written: by its mode for a user, by a read-only bind mount for root
    (whom modes do not stop); skipped where neither is possible."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(0o700)
        return
    mount = shutil.which("mount")
    if mount is None or subprocess.run([mount, "--bind", str(folder), str(folder)], capture_output=True).returncode:
        pytest.skip("running as root without a way to make a folder read-only")
    try:
        remount = subprocess.run([mount, "-o", "remount,ro,bind", str(folder)], capture_output=True)
        if remount.returncode:
            pytest.skip("running as root without a way to make a folder read-only")
        yield
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_file_name_that_is_not_utf8_is_listed_and_the_rest_index(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.txt").write_text("The boiler pressure should read 1.5 bar.\n")
    (Path(os.fsdecode(bytes(notes))) / os.fsdecode(b"\xff.txt")).write_text("odd name\n")
    result = hearth("docs", "add", str(notes), "--keyword-only")
    assert result.returncode == 1, result.stderr  # one file failed, and says why
    assert "Traceback" not in result.stderr
    assert "1 indexed, 1 failed" in result.stdout
    assert "failed  " in result.stdout and "\\xff.txt: its name is not valid UTF-8 text" in result.stdout
    again = hearth("docs", "search", "boiler", "--keyword-only")
    assert again.returncode == 0 and "good.txt" in again.stdout


def test_ctrl_c_stops_docs_add_in_the_middle_of_a_document(tmp_path: Path) -> None:
    folder = tmp_path / "slow"
    folder.mkdir()
    write_many_paragraphs_docx(folder / "book.docx", 200_000)  # half a minute to read
    process = subprocess.Popen([HEARTH, "docs", "add", str(folder), "--keyword-only"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=os.environ)
    time.sleep(4)  # started, and reading the document
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert time.monotonic() - interrupted < 10
    assert process.returncode == 130, err
    assert "Stopped; what was indexed so far is kept." in err and "Traceback" not in err


def test_a_read_only_data_folder_is_one_line(tmp_path: Path, hearth_home: Path, tiny_model: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("The boiler pressure should read 1.5 bar.\n")
    hearth_home.mkdir(mode=0o700)
    with read_only(hearth_home):
        for args in (("docs", "add", str(notes)), ("models", "import", str(tiny_model))):
            result = hearth(*args)
            assert result.returncode == 1, result
            assert "Traceback" not in result.stderr
            line = result.stderr.strip().splitlines()[-1]
            assert line.startswith("hearth: ") and ("read-only" in line or "permission denied" in line), line
        chat = hearth("chat", "-m", str(tiny_model), "--max-tokens", "2", "hi")
        assert chat.returncode == 0 and "Traceback" not in chat.stderr, chat.stderr
    assert list(hearth_home.rglob("*")) == []
