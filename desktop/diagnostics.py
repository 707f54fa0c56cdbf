"""The "copy diagnostics" text: versions, backend, devices, CPU kernels, model and the last
crash, never conversation text."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from dataclasses import asdict
from typing import Any

from desktop import __version__
from desktop.crash import crash_lines
from desktop.paths import AppPaths
from desktop.settings import AppSettings, engine_settings
from models.engine import ModelInfo, hardware, kernel_choice, system_info

_PACKAGES = ("llama-cpp-python", "PySide6-Essentials", "huggingface-hub", "gguf", "platformdirs")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def diagnostics(paths: AppPaths, settings: AppSettings, model: ModelInfo | None) -> str:
    lines = [
        f"Hearth {__version__}",
        f"Python {sys.version.split()[0]} on {platform.platform()} ({platform.machine()})",
        *(f"{package} {_version(package)}" for package in _PACKAGES),
        f"GPU offload supported by this build: {'yes' if hardware.supports_gpu_offload() else 'no'}",
        f"Physical cores: {hardware.physical_cores()}, usable CPUs: {hardware.usable_cpus()}",
        f"llama.cpp system info: {system_info().strip()}",
        f"CPU kernels: {kernel_choice(engine_settings(settings).extra_buffers).reason}",
    ]
    for device in hardware.devices():
        lines.append(f"Device {device.name}: {device.description} ({device.kind}), "
                     f"{device.memory_free / 2**30:.1f} of {device.memory_total / 2**30:.1f} GiB free")
    if model is None:
        lines.append("Model: none loaded")
    else:
        lines += [
            f"Model: {model.name} ({model.architecture}, {model.parameter_count / 1e9:.2f} B parameters, "
            f"{model.file_size / 2**20:.0f} MiB)",
            f"Backend: {model.backend}, {model.gpu_layers}/{model.layer_count} layers offloaded, "
            f"{model.threads} threads, context {model.context_length}, flash attention "
            f"{'on' if model.flash_attention else 'off'}, extra CPU kernels {'on' if model.extra_buffers else 'off'}"
            f"{', safe mode' if model.safe_mode else ''}, template {model.template_source}",
        ]
    shown: dict[str, Any] = {k: v for k, v in asdict(settings).items() if k != "last_model"}
    lines.append("Settings: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    lines += crash_lines(paths)
    lines.append(f"Data folder: {paths.data}")
    return "\n".join(lines)
