"""Plain immutable values that travel between the engine, its worker thread and the app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from models.families import ModelFacts

StopReason = Literal["stop", "length", "context", "cancelled"]


@dataclass(frozen=True)
class EngineSettings:
    """How models are loaded. `None` means "choose for this machine"."""

    max_context: int = 8192  # a cap: a model gets min(its trained context, this)
    threads: int | None = None  # None: one per physical core
    gpu_layers: int | None = None  # None: all when the build can offload, else 0; -1: all
    # None: on when layers run on a GPU, off on CPU. llama.cpp's CPU flash attention generates
    # faster at short contexts (136 vs 106 tok/s at 100 tokens, even at 4,000) but evaluates a
    # follow-up's few new tokens against a long history up to twice as slowly (20 tokens after
    # 4,000: 276 vs 138 ms, starter model, 2 cores): the wait before every answer is what users feel.
    flash_attention: bool | None = None
    batch_size: int = 512
    # llama.cpp's extra buffer types (weights repacked for special kernels). None: on unless the
    # build's kernels are known to crash here (models.engine.cpu_kernels); False: always off.
    extra_buffers: bool | None = None
    prefix_cache_bytes: int = 1 << 30  # saved prompt states for switching conversations
    # Prompt-lookup decoding (models.engine.prompt_lookup), used only where its output is plain
    # decoding's exactly (CPU, flash attention on, a model whose kernels allow it). None: for
    # answers that quote their prompt (documents, pasted text); True: every answer; False: never.
    prompt_lookup: bool | None = None
    # These settings are safe mode's (models.engine.crash_guard.safe_settings), after a crash.
    safe_mode: bool = False


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    name: str
    architecture: str
    file_size: int
    parameter_count: int
    context_length: int  # the context this load uses
    trained_context: int
    threads: int
    gpu_layers: int  # layers llama.cpp reports as offloaded
    layer_count: int
    flash_attention: bool
    backend: str  # e.g. "CPU (AMD EPYC)" or "CUDA (NVIDIA H200)"
    memory_by_device: dict[str, int]  # bytes llama.cpp allocated: {"CPU": ..., "CUDA0": ...}
    template_source: str  # "model", "fallback" (ChatML) or "known-good: <name>"
    load_seconds: float
    facts: ModelFacts | None = None  # family, parameters (active ones for MoE), quantization, template
    extra_buffers: bool = True  # loaded with llama.cpp's extra buffer types (models.engine.cpu_kernels)
    safe_mode: bool = False  # loaded with safe mode's settings (models.engine.crash_guard)


@dataclass(frozen=True)
class GenerationStats:
    prompt_tokens: int  # tokens in the rendered prompt
    evaluated_prompt_tokens: int  # of those, the ones evaluated (the rest came from the cache)
    generated_tokens: int
    time_to_first_token_s: float
    prompt_tokens_per_s: float
    generation_tokens_per_s: float
    total_s: float
    stop_reason: StopReason
    dropped_messages: int  # oldest messages left out to fit the context
    drafted_tokens: int = 0  # prompt lookup: tokens drafted from the prompt
    accepted_tokens: int = 0  # of those, the ones the model confirmed

    def summary(self) -> str:
        return (
            f"prompt {self.prompt_tokens} tokens ({self.evaluated_prompt_tokens} evaluated, "
            f"{self.prompt_tokens_per_s:.1f} tok/s), generated {self.generated_tokens} tokens at "
            f"{self.generation_tokens_per_s:.1f} tok/s, first token after "
            f"{self.time_to_first_token_s * 1000:.0f} ms, stopped: {self.stop_reason}"
            + (f", {self.dropped_messages} old messages left out" if self.dropped_messages else "")
        )

