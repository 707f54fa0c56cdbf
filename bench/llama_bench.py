"""llama.cpp's own C++ `llama-bench`, built from the llama.cpp sources vendored in the installed
llama-cpp-python's source distribution (bench/build_llama_bench.sh: once, cached outside the
repository, never during `make test`), run with the same model, threads, batch sizes, flash
attention and extra buffer types as Hearth's engine, so that a ratio compares the loops alone.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from models.engine import ModelInfo

BUILD_SCRIPT = Path(__file__).resolve().parent / "build_llama_bench.sh"


def binary() -> str:
    """The path of a working llama-bench for the installed llama-cpp-python (built the first time:
    several minutes, progress on stderr)."""
    version = metadata.version("llama_cpp_python")
    env = {**os.environ, "LLAMA_CPP_PYTHON_VERSION": version}
    done = subprocess.run([str(BUILD_SCRIPT)], check=True, stdout=subprocess.PIPE, text=True, env=env)
    return done.stdout.strip().splitlines()[-1]


@dataclass(frozen=True)
class BenchSettings:
    """What the engine loaded with, in llama-bench's switches."""

    model: Path
    threads: int
    batch: int
    ubatch: int
    flash_attention: bool
    extra_buffers: bool
    gpu_layers: int

    @classmethod
    def of(cls, info: ModelInfo, batch: int, ubatch: int, threads: int) -> BenchSettings:
        return cls(info.path, threads, batch, ubatch, info.flash_attention, info.extra_buffers, info.gpu_layers)

    def switches(self) -> list[str]:
        return [
            "-m", str(self.model), "-t", str(self.threads), "-b", str(self.batch), "-ub", str(self.ubatch),
            "-fa", "1" if self.flash_attention else "0", "--repack", "1" if self.extra_buffers else "0",
            "-ngl", str(self.gpu_layers),
        ]


def tokens_per_s(program: str, settings: BenchSettings, prompt: int, generate: int, depth: int,
                 repetitions: int = 1) -> float:
    """llama-bench's average tokens/s for one test: `prompt` tokens evaluated in one go (pp) or
    `generate` single-token decodes (tg), after `depth` tokens already in the cache."""
    command = [program, *settings.switches(), "-p", str(prompt), "-n", str(generate), "-d", str(depth),
               "-r", str(repetitions), "-o", "json"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    (test,) = json.loads(out)
    return float(test["avg_ts"])
