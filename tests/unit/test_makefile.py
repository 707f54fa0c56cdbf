"""The Makefile's engine build flags, read from `make -n` (nothing is built): AMX kernels left out
on x86-64 Linux, nothing added elsewhere, and the user's own CMAKE_ARGS used as given."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_AMX = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def install_line(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """The line of `make -n` that installs Hearth (and compiles llama.cpp) into a new venv."""
    venv = tmp_path / "venv"
    clean = {k: v for k, v in os.environ.items() if k not in {"CMAKE_ARGS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    result = subprocess.run(["make", "-n", f"VENV={venv}", f"{venv}/.installed", *args], cwd=ROOT,
                            env={**clean, **(env or {})}, capture_output=True, text=True, check=True)
    [line] = [line for line in result.stdout.splitlines() if "pip install --quiet -e ." in line]
    return line


def cmake_args(line: str) -> list[str] | None:
    """CMAKE_ARGS as the line sets it, split the way scikit-build-core splits it; None: not set."""
    words = shlex.split(line)
    found = [w.removeprefix("CMAKE_ARGS=") for w in words if w.startswith("CMAKE_ARGS=")]
    return shlex.split(found[0]) if found else None


def test_x86_64_linux_builds_without_amx_kernels(tmp_path: Path) -> None:
    line = install_line(tmp_path, "HOST_OS=Linux", "HOST_ARCH=x86_64")
    assert cmake_args(line) == [f"-DCMAKE_C_FLAGS={NO_AMX}", f"-DCMAKE_CXX_FLAGS={NO_AMX}"]


@pytest.mark.parametrize(("host_os", "arch"), [("Linux", "aarch64"), ("Darwin", "arm64"), ("Darwin", "x86_64")])
def test_other_platforms_get_no_amx_flags(tmp_path: Path, host_os: str, arch: str) -> None:
    assert cmake_args(install_line(tmp_path, f"HOST_OS={host_os}", f"HOST_ARCH={arch}")) is None


def test_a_compiler_without_the_flags_gets_none(tmp_path: Path) -> None:
    assert cmake_args(install_line(tmp_path, "HOST_OS=Linux", "HOST_ARCH=x86_64", "CC=false")) is None


def test_the_users_cmake_args_are_used_as_given(tmp_path: Path) -> None:
    # From the environment or the make command line, CMAKE_ARGS reach pip untouched.
    line = install_line(tmp_path, "HOST_OS=Linux", "HOST_ARCH=x86_64", env={"CMAKE_ARGS": "-DGGML_CUDA=on"})
    assert cmake_args(line) is None
    line = install_line(tmp_path, "HOST_OS=Linux", "HOST_ARCH=x86_64", "CMAKE_ARGS=-DGGML_VULKAN=on")
    assert cmake_args(line) is None


def test_make_package_builds_a_portable_engine_without_the_pip_cache(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    venv = tmp_path / "package-venv"
    result = subprocess.run(["make", "-n", f"PACKAGE_VENV={venv}", "package"], cwd=ROOT, env=clean,
                            capture_output=True, text=True, check=True)
    commands = result.stdout.replace("\\\n", " ")
    [engine] = [line for line in commands.splitlines() if "--no-cache-dir" in line]
    assert cmake_args(engine) == ["-DGGML_NATIVE=OFF"] and "llama-cpp-python==" in engine
    assert f"{venv}/bin/pyinstaller" in commands and "packaging/hearth.spec" in commands
