"""What this machine offers llama.cpp: cores, compute devices and whether layers can be offloaded."""

from __future__ import annotations

import ctypes
import functools
import os
from dataclasses import dataclass
from pathlib import Path

import llama_cpp
import psutil

# enum ggml_backend_dev_type in ggml-backend.h
_DEVICE_KINDS = {0: "CPU", 1: "GPU", 2: "integrated GPU", 3: "accelerator"}


@dataclass(frozen=True)
class Device:
    name: str  # "CPU", "CUDA0", "MTL0", "Vulkan0"
    description: str  # "AMD EPYC", "NVIDIA H200"
    kind: str
    memory_free: int
    memory_total: int

    @property
    def backend(self) -> str:
        """The backend family: the device name without its index ("CUDA0" -> "CUDA")."""
        return self.name.rstrip("0123456789") or self.name


def usable_cpus() -> int:
    """Logical CPUs this process may run on (respects affinity masks and taskset)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def physical_cores() -> int:
    """Physical cores available to this process: llama.cpp generation is fastest with one
    thread per physical core; hyper-threads compete for the same vector units."""
    physical = psutil.cpu_count(logical=False) or usable_cpus()
    return max(1, min(physical, usable_cpus()))


def supports_gpu_offload() -> bool:
    return bool(llama_cpp.llama_supports_gpu_offload())


@functools.cache
def _ggml() -> ctypes.CDLL | None:
    lib_dir = Path(llama_cpp.__file__).parent / "lib"
    for name in ("libggml.so", "libggml.dylib", "ggml.dll"):
        if (lib_dir / name).exists():
            lib = ctypes.CDLL(str(lib_dir / name))
            break
    else:
        return None
    lib.ggml_backend_dev_count.restype = ctypes.c_size_t
    lib.ggml_backend_dev_get.restype = ctypes.c_void_p
    lib.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    for func in (lib.ggml_backend_dev_name, lib.ggml_backend_dev_description):
        func.restype = ctypes.c_char_p
        func.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_type.restype = ctypes.c_int
    lib.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_memory.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_size_t),
        ctypes.POINTER(ctypes.c_size_t),
    ]
    return lib


def devices() -> list[Device]:
    """Every compute device llama.cpp's build registered, GPUs first as llama.cpp orders them."""
    lib = _ggml()
    if lib is None:
        return [Device("CPU", "CPU", "CPU", psutil.virtual_memory().available, psutil.virtual_memory().total)]
    found = []
    for index in range(lib.ggml_backend_dev_count()):
        dev = lib.ggml_backend_dev_get(index)
        free, total = ctypes.c_size_t(), ctypes.c_size_t()
        lib.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        found.append(
            Device(
                name=(lib.ggml_backend_dev_name(dev) or b"?").decode(),
                description=(lib.ggml_backend_dev_description(dev) or b"").decode(),
                kind=_DEVICE_KINDS.get(lib.ggml_backend_dev_type(dev), "other"),
                memory_free=free.value,
                memory_total=total.value,
            )
        )
    return found


def accelerators() -> list[Device]:
    return [d for d in devices() if d.kind != "CPU"]


def backend_summary(n_gpu_layers: int) -> str:
    """One line saying where the model runs, e.g. "CUDA (NVIDIA H200), 31 layers" or "CPU (AMD EPYC)"."""
    gpus = accelerators()
    if n_gpu_layers and gpus:
        names = ", ".join(d.description or d.name for d in gpus)
        return f"{gpus[0].backend} ({names})"
    cpu = next((d for d in devices() if d.kind == "CPU"), None)
    return f"CPU ({cpu.description})" if cpu and cpu.description else "CPU"
