"""`hearth models ...` as a user runs it, against the fake Hub: a separate process that reaches
the Hub through HF_ENDPOINT, answers on stdout, progress and errors on stderr."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.fake_hub import FakeHub, Faults
from tests.fixtures.hub_fixtures import HubModels, publish

HEARTH = shutil.which("hearth", path=str(Path(sys.executable).parent)) or "hearth"
REPO = "acme/Tiny-GGUF"


def hearth(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARTH, *args], capture_output=True, text=True, input=input, timeout=120, env=os.environ)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pull_installs_a_verified_model_that_chat_can_use(fake_hub: FakeHub, hub_models: HubModels) -> None:
    published = publish(fake_hub, REPO, hub_models.small)
    pulled = hearth("models", "pull", REPO, "Q4_K_M")
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.startswith("Installed Tiny-Q4_K_M: ") and pulled.stdout.count("\n") == 1
    assert "Tiny-Q4_K_M 100% [########################]" in pulled.stderr and "verified (sha256)" in pulled.stderr

    listing = hearth("models", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    row = next(r for r in json.loads(listing.stdout) if r["name"] == "Tiny-Q4_K_M")
    assert (row["origin"], row["repo"], row["revision"]) == ("hub", REPO, fake_hub.repos[REPO].commit)
    assert row["files"][0]["sha256"] == published.sha256 == sha256(Path(row["path"]))
    assert row["details"]["architecture"] == "llama" and row["details"]["chat_template"] is True
    assert row["fit"]["verdict"] == "fits"

    chat = hearth("chat", "-m", "Tiny-Q4_K_M", "--dry-run", "hi")
    assert chat.returncode == 0, chat.stderr
    assert "<|im_start|>user\nhi<|im_end|>" in chat.stdout


def test_a_corrupted_download_fails_in_one_line_and_installs_nothing(
    fake_hub: FakeHub, hub_models: HubModels, hearth_home: Path
) -> None:
    publish(fake_hub, REPO, hub_models.small, faults=Faults(flip_at=10))
    pulled = hearth("models", "pull", REPO, "Tiny-Q4_K_M.gguf")
    assert pulled.returncode == 1
    assert pulled.stderr.strip().splitlines()[-1] == (
        "hearth: Tiny-Q4_K_M.gguf failed verification (its sha256 does not match the Hub's), so the downloaded "
        "file was deleted; try again."
    )
    assert pulled.stdout == ""
    assert not list(hearth_home.rglob("*.gguf")) and not list(hearth_home.rglob("*.part"))


def test_gated_and_missing_repos_are_explained(fake_hub: FakeHub, hub_models: HubModels) -> None:
    fake_hub.add_repo("meta/Gated-GGUF", gated=True)
    publish(fake_hub, "meta/Gated-GGUF", hub_models.small)
    gated = hearth("models", "pull", "meta/Gated-GGUF", "Q4_K_M")
    assert gated.returncode == 1
    assert "hearth: meta/Gated-GGUF is gated: accept its licence at https://huggingface.co/meta/Gated-GGUF" in (
        gated.stderr
    )
    missing = hearth("models", "files", "nobody/nothing")
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith(
        "nobody/nothing does not exist on the Hub, or it is private (log in with `hf auth login`)."
    )


def test_search_and_files(fake_hub: FakeHub, hub_models: HubModels) -> None:
    fake_hub.add_repo(REPO, downloads=42, likes=7)
    publish(fake_hub, REPO, hub_models.small)
    for part in hub_models.split:
        publish(fake_hub, REPO, part)
    found = hearth("models", "search", "tiny", "--sort", "likes", "--json")
    assert found.returncode == 0, found.stderr
    assert [(r["repo_id"], r["downloads"], r["likes"]) for r in json.loads(found.stdout)] == [(REPO, 42, 7)]
    files = hearth("models", "files", REPO, "--json")
    assert files.returncode == 0, files.stderr
    rows = {row["name"]: row for row in json.loads(files.stdout)["files"]}
    assert rows["Split-Q4_K_M"]["quantization"] == "Q4_K_M" and len(rows["Split-Q4_K_M"]["parts"]) == 3
    assert rows["Tiny-Q4_K_M"]["fit"]["verdict"] == "fits"
    text = hearth("models", "files", REPO)
    assert "Split-Q4_K_M-00001-of-00003.gguf" in text.stdout and "(3 parts)" in text.stdout


def test_import_link_and_remove(hub_models: HubModels, tmp_path: Path) -> None:
    source = tmp_path / "Mine-Q8_0.gguf"
    shutil.copy(hub_models.small, source)
    added = hearth("models", "import", str(source), "--link", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["origin"] == "linked"
    refused = hearth("models", "rm", "Mine-Q8_0")  # stdin is not a terminal
    assert refused.returncode == 1
    assert refused.stderr.strip() == "hearth: Not deleting Mine-Q8_0 without confirmation: add --yes."
    removed = hearth("models", "rm", "Mine-Q8_0", "--yes", "--json")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout)["kept"] == [str(source)] and source.is_file()
    copied = hearth("models", "import", str(source))
    assert copied.returncode == 0 and "(copied)" in copied.stdout
    info = hearth("models", "info", "Mine-Q8_0", "--json")
    assert json.loads(info.stdout)["origin"] == "copied"
    assert hearth("models", "rm", "Mine-Q8_0", "--yes").returncode == 0
    assert hearth("models", "rm", "Mine-Q8_0", "--yes").returncode == 1


def test_an_embedding_model_is_imported_with_its_own_checks(tmp_path: Path,
                                                             starter_embedding_cache: Path | None) -> None:
    """Importing all-MiniLM once warned that it had no chat template and that ChatML's turn markers
    were plain text to it: warnings meant for chat models, for a model that never chats."""
    assert starter_embedding_cache is not None
    source = tmp_path / "all-MiniLM-L6-v2.F16.gguf"
    shutil.copy(starter_embedding_cache / source.name, source)
    added = hearth("models", "import", str(source), "--json")
    assert added.returncode == 0, added.stderr
    check = json.loads(added.stdout)["check"]
    assert (check["kind"], check["pooling"], check["dimension"], check["findings"]) == ("embedding", "mean", 384, [])
    assert "template" not in added.stderr.lower() and "chatml" not in added.stderr.lower()
    text = hearth("models", "info", "all-MiniLM-L6-v2.F16")
    assert "An embedding model for document search: mean pooling, 384 dimensions, test embedding passed." in text.stdout
    assert "Warning" not in text.stdout


def test_discover_offers_and_adds_cached_models(
    hub_models: HubModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lm_studio = tmp_path / "home" / ".lmstudio" / "models" / "bob" / "Q8-GGUF"
    lm_studio.mkdir(parents=True)
    shutil.copy(hub_models.small_q8, lm_studio)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    found = hearth("models", "discover")
    assert found.returncode == 0, found.stderr
    assert "Tiny-Q8_0" in found.stdout and "lm-studio" in found.stdout
    assert "hearth models discover --add" in found.stderr
    added = hearth("models", "discover", "--add")
    assert added.returncode == 0 and "Added Tiny-Q8_0 (linked)" in added.stdout
    assert "No GGUF models found" in hearth("models", "discover").stdout


def test_info_measures_and_remembers(hub_models: HubModels) -> None:
    measured = hearth("models", "info", str(hub_models.large), "--ctx", "512", "--measure", "--json")
    assert measured.returncode == 0, measured.stderr
    data = json.loads(measured.stdout)
    assert data["memory"]["n_ctx"] == 512 and data["memory"]["correction"] == data["correction"]
    assert abs(data["memory"]["total"] - data["memory"]["overhead"] - data["measured"]) < 0.001 * data["measured"]


def test_pull_resumes_after_the_process_is_killed(fake_hub: FakeHub, hub_models: HubModels, hearth_home: Path) -> None:
    """SIGKILL mid-download, then the same command: it continues from the bytes on disk."""
    published = publish(fake_hub, REPO, hub_models.large, faults=Faults(bytes_per_s=1_000_000))
    first = subprocess.Popen(
        [HEARTH, "models", "pull", REPO, "Big-Q4_K_M"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ
    )
    deadline = time.monotonic() + 60
    part: Path | None = None
    while time.monotonic() < deadline:
        parts = list(hearth_home.rglob("*.part"))
        if parts and parts[0].stat().st_size > 1_000_000:
            part = parts[0]
            break
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    assert part is not None, "the download never got going"
    kept = part.stat().st_size
    assert 0 < kept < published.size
    published.faults.bytes_per_s = None

    second = hearth("models", "pull", REPO, "Big-Q4_K_M")
    assert second.returncode == 0, second.stderr
    assert fake_hub.ranges_requested("Big-Q4_K_M.gguf") == [None, f"bytes={kept}-"]
    installed = next(hearth_home.rglob("Big-Q4_K_M.gguf"))
    assert sha256(installed) == published.sha256
    assert not list(hearth_home.rglob("*.part"))


def test_ctrl_c_pauses_and_the_same_command_resumes(
    fake_hub: FakeHub, hub_models: HubModels, hearth_home: Path
) -> None:
    published = publish(fake_hub, REPO, hub_models.large, faults=Faults(bytes_per_s=1_000_000))
    first = subprocess.Popen(
        [HEARTH, "models", "pull", REPO, "Big-Q4_K_M"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.stat().st_size > 500_000 for p in hearth_home.rglob("*.part")):
        time.sleep(0.02)
    first.send_signal(signal.SIGINT)
    _out, err = first.communicate(timeout=30)
    assert first.returncode == 130, err
    assert "run the same command again to resume" in err
    published.faults.bytes_per_s = None
    second = hearth("models", "pull", REPO, "Big-Q4_K_M")
    assert second.returncode == 0, second.stderr
    ranges = fake_hub.ranges_requested("Big-Q4_K_M.gguf")
    assert ranges[0] is None and ranges[-1] is not None and ranges[-1].startswith("bytes=")
    assert sha256(next(hearth_home.rglob("Big-Q4_K_M.gguf"))) == published.sha256


def test_without_the_fake_hub_nothing_reaches_the_network() -> None:
    """Every test runs with HF_HUB_OFFLINE=1 unless it asks for the fake Hub."""
    result = hearth("models", "search", "llama")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "hearth: Cannot search the Hub for 'llama': offline mode is on (Settings, Network; or HF_HUB_OFFLINE in the "
        "environment)."
    )
