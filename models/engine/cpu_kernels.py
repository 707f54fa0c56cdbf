"""Which of llama.cpp's CPU kernels Hearth lets a model use on this machine.

llama.cpp's native build (`-march=native`, the default of a source install) compiles its AMX
matrix kernels whenever the compiler sees AMX, and those kernels crash inside
`ggml_backend_amx_mul_mat` on Intel Xeons (llama.cpp #20824, ollama #17205): a plain
`Llama(...)("Hello")` dies with SIGSEGV. The AMX kernels are reached only through llama.cpp's
"extra buffer types" (weights repacked at load time for a special kernel), so a model loaded
with `llama_model_params.use_extra_bufts = False` runs on the ordinary AVX-512/AVX2 kernels.

That also switches off the CPU_REPACK buffer type (Q4_0, Q4_K, IQ4_NL... repacked for AVX2),
which speeds up prompt evaluation of those quantizations; it does nothing for the starter
model's Q4_1. A narrower switch was considered and rejected: this llama.cpp version has no
environment variable for AMX, and routing tensors to CPU_REPACK with `tensor_buft_overrides`
means predicting, per tensor, which ones its repacker accepts (type, row count, CPU features);
a tensor it does not accept is a null dereference in `ggml_backend_cpu_repack_buffer_set_tensor`.
The Makefile builds without AMX kernels instead (-mno-amx-*), which keeps repacking; this check
protects an engine built before that, since pip reuses the wheel it built whatever `CMAKE_ARGS`
say later. So the decision is taken from the engine actually loaded (`llama_print_system_info`),
never from how Hearth meant to build it.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import llama_cpp
import llama_cpp.llama_cpp as llama_capi

log = logging.getLogger(__name__)

# /proc/cpuinfo's names for the AMX units (any of them means the CPU has AMX).
_AMX_FLAGS = frozenset({"amx_int8", "amx_tile", "amx_bf16"})
REBUILD_HINT = "rebuild llama-cpp-python without AMX kernels to get repacked weights back (see the README)"


@dataclass(frozen=True)
class KernelChoice:
    """Whether models load with llama.cpp's extra buffer types, and why, in plain words."""

    extra_buffers: bool
    reason: str
    automatic: bool  # False when the user's setting decided


def amx_kernels_compiled(system_info: str) -> bool:
    """True when the llama.cpp build carries its AMX kernels ("AMX_INT8 = 1" in its system info)."""
    return "AMX_INT8 = 1" in system_info


def choose_extra_buffers(system_info: str, cpu_flags: frozenset[str] | None, requested: bool | None = None
                         ) -> KernelChoice:
    """The extra-buffer-types decision for an engine whose `llama_print_system_info()` is
    `system_info`, on a CPU with `cpu_flags` (/proc/cpuinfo's names; None: not known on this
    system). `requested`: the user's True/False, or None for automatic.

    AMX kernels only run where the CPU has AMX (without it ggml's AMX buffer type stays off),
    so a build that carries them is safe on a CPU known to lack AMX; where the flags are not
    known, assume the worst."""
    if requested is not None:
        state = "on" if requested else "off"
        return KernelChoice(requested, f"extra CPU kernels {state}: chosen in Settings", automatic=False)
    if not amx_kernels_compiled(system_info):
        return KernelChoice(True, "extra CPU kernels on: this llama.cpp build has no AMX kernels", automatic=True)
    if cpu_flags is not None and not cpu_flags & _AMX_FLAGS:
        return KernelChoice(True, "extra CPU kernels on: this llama.cpp build has AMX kernels, "
                                  "but this CPU has no AMX, so they are never used", automatic=True)
    return KernelChoice(False, "extra CPU kernels off: this llama.cpp build carries AMX kernels, which crash "
                               f"on some Intel Xeons, and this CPU has AMX; {REBUILD_HINT}", automatic=True)


def parse_cpu_flags(cpuinfo: str) -> frozenset[str] | None:
    """The CPU feature flags in /proc/cpuinfo's text (x86 "flags", ARM "Features"), or None."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return None


@functools.cache
def cpu_flags() -> frozenset[str] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return parse_cpu_flags(Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


@functools.cache
def system_info() -> str:
    raw: bytes = llama_cpp.llama_print_system_info()
    return raw.decode("utf-8", errors="replace")


@functools.cache
def automatic_choice() -> KernelChoice:
    """The automatic choice for this process's engine, logged once."""
    choice = choose_extra_buffers(system_info(), cpu_flags())
    log.info("llama.cpp: %s", choice.reason)
    return choice


def kernel_choice(requested: bool | None = None) -> KernelChoice:
    """What a load with the user's setting `requested` (None: automatic) uses on this machine."""
    return automatic_choice() if requested is None else choose_extra_buffers(system_info(), cpu_flags(), requested)


# For `llama_cpp.Llama` (the reference that tests and benches compare with; Hearth's own loads
# set the field): it builds its `llama_model_params` inside `Llama.__init__` from
# `llama_model_default_params()` and offers no argument for `use_extra_bufts`; the function is
# swapped for the duration of one load. The lock keeps two threads' loads from crossing.
_loading = threading.Lock()


@contextmanager
def model_params(extra_buffers: bool | None = None) -> Iterator[None]:
    """Within the block, models load with (True) or without (False) extra buffer types; None:
    whatever is safe for the loaded engine (`automatic_choice`)."""
    allowed = kernel_choice(extra_buffers).extra_buffers
    with _loading:
        original = llama_capi.llama_model_default_params

        def chosen() -> llama_capi.llama_model_params:
            params: llama_capi.llama_model_params = original()
            params.use_extra_bufts = allowed
            return params

        llama_capi.llama_model_default_params = chosen
        try:
            yield
        finally:
            llama_capi.llama_model_default_params = original
