"""`hearth` against hostile input, as a user runs it: private files whatever the umask, a Hub that
lies, model metadata full of terminal escapes, a disk that fills up. Always one line, a non-zero
exit, no traceback, nothing written outside the data folder."""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.hub_fixtures import HubModels, publish
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

HEARTH = shutil.which("hearth", path=str(Path(sys.executable).parent)) or "hearth"
REPO = "acme/Tiny-GGUF"


def hearth(*args: str, setup: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARTH, *args], capture_output=True, text=True, timeout=180, env=os.environ,
                          preexec_fn=setup)


def one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_everything_hearth_creates_is_private_under_umask_022(
    fake_hub: FakeHub, hub_models: HubModels, hearth_home: Path, tmp_path: Path
) -> None:
    def umask_022() -> None:
        os.umask(0o022)

    publish(fake_hub, REPO, hub_models.small)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("The boiler pressure should read 1.5 bar.\n")
    assert not hearth_home.exists()
    for args in (("chat", "-m", str(hub_models.small_q8), "--max-tokens", "2", "hi"),
                 ("models", "import", str(hub_models.small_q8)),
                 ("models", "pull", REPO, "Q4_K_M"),
                 ("docs", "add", str(notes), "--keyword-only")):
        result = hearth(*args, setup=umask_022)
        assert result.returncode == 0, result.stderr
    created = [hearth_home, *hearth_home.rglob("*")]
    assert len(created) > 10
    loose = [(str(p.relative_to(hearth_home)), oct(stat.S_IMODE(p.stat().st_mode))) for p in created
             if stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)]
    assert loose == []


def test_model_metadata_cannot_drive_the_terminal(tmp_path: Path) -> None:
    name = "Evil\x1b]0;pwned\x07 model\x1b[2J\x9b31m"
    model = write_tiny_model(tmp_path / "evil.gguf", TinyModelSpec(name=name))
    info = hearth("models", "info", str(model))
    assert info.returncode == 0, info.stderr
    assert "Evil]0;pwned model[2J31m" in info.stdout
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in info.stdout and control not in info.stderr
    as_json = hearth("models", "info", str(model), "--json")
    assert json.loads(as_json.stdout)["title"] == name  # JSON carries it escaped, exactly


def test_verified_is_said_only_when_true(fake_hub: FakeHub, hub_models: HubModels) -> None:
    publish(fake_hub, REPO, hub_models.small)
    first = hearth("models", "pull", REPO, "Q4_K_M")
    assert first.returncode == 0 and "verified (sha256)" in first.stderr
    again = hearth("models", "pull", REPO, "Q4_K_M")
    assert again.returncode == 0 and "Already installed as 'Tiny-Q4_K_M'." in again.stderr
    assert "verified" not in again.stderr


def test_a_commit_id_with_dots_is_one_line_and_writes_nothing(
    fake_hub: FakeHub, hub_models: HubModels, hearth_home: Path, tmp_path: Path
) -> None:
    publish(fake_hub, REPO, hub_models.small)
    assert hearth("models", "pull", REPO, "Q4_K_M").returncode == 0  # the same name, installed: a second revision
    fake_hub.repos[REPO].commit = "../../../../escaped"
    before = sorted(p.name for p in tmp_path.iterdir())
    line = one_line_failure(hearth("models", "pull", REPO, "Q4_K_M"))
    assert line == "hearth: The Hub answered with an invalid commit id ('../../../../escaped'); Hearth does not use " \
                   "this answer."
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not list(hearth_home.rglob("*escaped*"))


def test_redirects_elsewhere_are_one_line(fake_hub: FakeHub, hub_models: HubModels) -> None:
    publish(fake_hub, REPO, hub_models.small)
    for target in ("file:///etc/passwd", "loop"):
        fake_hub.api_redirect = target
        line = one_line_failure(hearth("models", "files", REPO))
        assert "redirected to an address Hearth does not follow" in line


def test_a_full_disk_during_import_is_one_line_and_leaves_nothing(hub_models: HubModels, hearth_home: Path) -> None:
    def small_disk() -> None:
        limit = 64 * 1024  # every file write past 64 KB fails as on a full disk (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    line = one_line_failure(hearth("models", "import", str(hub_models.small), setup=small_disk))
    assert line.startswith("hearth: the disk is full: cannot write") and line.endswith("free some space and try again.")
    assert [p for p in hearth_home.rglob("*") if p.is_file() and p.suffix in (".gguf", ".part", ".json", ".tmp")] == []


def test_chat_with_a_full_disk_still_answers_and_leaves_no_temporary_file(tiny_model: Path, hearth_home: Path) -> None:
    def full_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    result = hearth("chat", "-m", str(tiny_model), "--max-tokens", "3", "hi", setup=full_disk)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert [p for p in hearth_home.rglob("*") if p.is_file()] == []  # no .fit_corrections.json.<pid>.tmp
