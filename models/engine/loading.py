"""How the engine opens a model: the weights (`NativeModel`) and one context over them
(`Decoder`), with the crash marker around the load and llama.cpp's own reason when it refuses."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from models.engine import cpu_kernels, crash_guard, hardware, llama_log
from models.engine.decode import ContextOptions, DecodeError, Decoder
from models.engine.native_model import NativeLoadError, NativeModel
from models.engine.values import EngineSettings
from models.errors import ModelFileError


@dataclass(frozen=True)
class LoadPlan:
    """One load's decided parameters."""

    path: Path
    settings: EngineSettings
    n_ctx: int
    threads: int
    gpu_layers: int
    flash_attention: bool
    extra_buffers: bool

    def marker(self, guard: crash_guard.StepMarker | None) -> AbstractContextManager[None]:
        """The crash marker for this load (nothing without a guard)."""
        if guard is None:
            return nullcontext()
        backend = hardware.backend_summary(self.gpu_layers if hardware.supports_gpu_offload() else 0)
        record = crash_guard.settings_record(self.settings, self.n_ctx, self.threads, self.gpu_layers,
                                             self.flash_attention, self.extra_buffers)
        path = self.path
        return guard.step(guard.record("load", path, path.stem, backend, record, cpu_kernels.system_info()))

    def open(self, lines: list[tuple[int, str]]) -> tuple[NativeModel, Decoder]:
        """The model and its context. Raises ModelFileError with llama.cpp's reason, read from
        its log (`lines`, being captured), when it refuses either."""
        try:
            native = NativeModel(self.path, self.gpu_layers, self.extra_buffers)
        except NativeLoadError as exc:
            raise self._refused(lines, exc) from exc
        batch = min(self.settings.batch_size, self.n_ctx)
        # Generation runs on one thread per physical core (hyper-threads share the vector units);
        # prompt chunks are wide enough to use every CPU this process may run on.
        options = ContextOptions(n_ctx=self.n_ctx, n_batch=batch, n_ubatch=batch, n_threads=self.threads,
                                 n_threads_batch=max(self.threads, hardware.usable_cpus()),
                                 flash_attn=self.flash_attention)
        try:
            decoder = Decoder(native, options, offloaded=llama_log.offloaded_layers(lines) > 0)
        except DecodeError as exc:
            native.close()
            raise self._refused(lines, exc) from exc
        return native, decoder

    def _refused(self, lines: list[tuple[int, str]], exc: Exception) -> ModelFileError:
        reason = llama_log.failure_reason(lines) or str(exc)
        return ModelFileError(self.path, f"llama.cpp could not load it ({reason})")
