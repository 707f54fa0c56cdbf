"""Which of llama.cpp's CPU kernels Hearth lets a model use on this machine.

llama.cpp's native build (`-march=native`, the default of a source install) compiles its AMX
matrix kernels whenever the compiler sees AMX, and those kernels crash inside
`ggml_backend_amx_mul_mat` on Intel Xeons (llama.cpp #20824, ollama #17205): a plain
`Llama(...)("Hello")` dies with SIGSEGV. The AMX kernels are reached only through llama.cpp's
"extra buffer types" (weights repacked for a special kernel at load time), so a model loaded
with `llama_model_params.use_extra_bufts = False` runs on the ordinary AVX-512/AVX2 kernels.

pip caches the wheel it built whatever `CMAKE_ARGS` said later, so the decision is taken from
the engine actually loaded (`llama_print_system_info`), never from how Hearth meant to build it.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import llama_cpp
import llama_cpp.llama_cpp as llama_capi

log = logging.getLogger(__name__)


def amx_kernels_compiled(system_info: str) -> bool:
    """True when the llama.cpp build carries its AMX kernels ("AMX_INT8 = 1" in its system info).
    A build compiled for AMX runs only on CPUs that have it, so this alone means "in use here"."""
    return "AMX_INT8 = 1" in system_info


def extra_buffers_safe(system_info: str) -> bool:
    """Whether loading with llama.cpp's extra buffer types (repacked weights) is known to be safe."""
    return not amx_kernels_compiled(system_info)


@functools.cache
def system_info() -> str:
    raw: bytes = llama_cpp.llama_print_system_info()
    return raw.decode("utf-8", errors="replace")


@functools.cache
def default_extra_buffers() -> bool:
    """The choice for this process's engine, logged once when it avoids the crashing kernels."""
    safe = extra_buffers_safe(system_info())
    if not safe:
        log.warning(
            "This llama.cpp build carries AMX kernels, which crash on some Intel Xeons: "
            "models load without extra buffer types (repacked weights) to avoid them"
        )
    return safe


def extra_buffers_allowed(setting: bool | None = None) -> bool:
    """`llama_model_params.use_extra_bufts` for a model Hearth loads itself: the setting
    (EngineSettings.extra_buffers), or what is safe for the loaded engine when it is None."""
    return default_extra_buffers() if setting is None else setting


# For `llama_cpp.Llama` (the embedder): it builds its `llama_model_params` inside `Llama.__init__` from
# `llama_model_default_params()` and offers no argument for `use_extra_bufts`; the function is
# swapped for the duration of one load. The lock keeps two threads' loads from crossing.
_loading = threading.Lock()


@contextmanager
def model_params(extra_buffers: bool | None = None) -> Iterator[None]:
    """Within the block, models load with (True) or without (False) extra buffer types; None:
    whatever is safe for the loaded engine (`default_extra_buffers`)."""
    allowed = extra_buffers_allowed(extra_buffers)
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
