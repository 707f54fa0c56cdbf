"""Will a model fit? An estimate of the memory a GGUF needs at a context length, and a verdict.

The formula (bytes; every figure read from the GGUF header, see `ModelShape.from_gguf`):

    weights  = sum of the tensors' bytes (all parts of a split model)
    kv_cache = n_ctx * sum over layers of (n_head_kv * (key_length + value_length)) * 2   (f16 K and V)
               key_length/value_length default to embedding_length / head_count; a per-layer
               head_count_kv array is summed layer by layer; MLA models (DeepSeek-V2/V3:
               `attention.kv_lora_rank`) cache (kv_lora_rank + rope dims) per layer instead.
               Sliding-window layers count at full context: llama.cpp 0.3.36 defaults to
               `swa_full=true`, which keeps a full-size cache for them.
    compute  = n_ubatch * 4 * max(n_vocab + 2 * n_embd,                         (logits of a batch)
                                  n_ctx / 2 + 3 * n_ff + 4 * n_embd,           (mask + FFN + attention)
                                  (n_head + 1) * n_ctx + 5 * n_embd)   (scores, mask: no flash attention)
               with n_ff = expert_feed_forward_length * expert_used_count for MoE models. The last
               term counts only when flash attention is off, as it is by default on CPU (see
               models.engine.values.EngineSettings): the scores of every head are then held at once.
               (Fitted to the "compute buffer size" llama.cpp logs: exact for the starter model
               with flash attention and within 4 % without, within a few percent for the tiny
               test models.)
    output   = n_vocab * 4  (one sequence's logits)
    buffers  = (weights + kv_cache + compute + output) * correction   -- what llama.cpp allocates,
               comparable with `ModelInfo.memory_by_device`
    total    = buffers + RUNTIME_OVERHEAD (128 MiB: vocabulary, sampler, threads, allocator slack)

The RAM prompt cache (`EngineSettings.prefix_cache_bytes`) is a cap that fills only as
conversations are switched, so it is not counted.

`correction` is learned: after a model loads, `FitCorrections.record` stores measured / estimated
buffers for that file (name and size), clamped to [0.5, 2], and later estimates multiply by it.

The verdict compares `total` with what is free now: RAM (psutil's `available`) on CPU, or the free
VRAM of all accelerators together when the build offloads (the engine then puts every layer on
the GPU, and only the runtime overhead stays in RAM):

    need <= 85% of free  -> "fits"
    need <= 100% of free -> "tight" (it loads, but other programs may be pushed to swap)
    otherwise            -> "won't fit"
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from models.engine import ModelInfo, supports_gpu_offload
from models.errors import ModelFileError
from models.files import GGUFInfo, check_hyperparameters, read_gguf, split_parts
from models.private import write_private

log = logging.getLogger(__name__)

Verdict = Literal["fits", "tight", "won't fit"]

MIB = 1 << 20
RUNTIME_OVERHEAD = 128 * MIB
FIT_MARGIN = 0.85
DEFAULT_UBATCH = 512
DEFAULT_MAX_CONTEXT = 8192  # EngineSettings.max_context
CORRECTION_RANGE = (0.5, 2.0)


@dataclass(frozen=True)
class ModelShape:
    """The sizes the estimate needs, read from a GGUF header."""

    architecture: str
    weights: int
    n_layers: int
    n_embd: int
    n_head: int
    kv_heads_per_layer: tuple[int, ...]
    key_length: int
    value_length: int
    n_vocab: int
    n_ff: int  # per token actually computed: the dense FFN, or the active experts' together
    trained_context: int
    kv_lora_rank: int = 0  # MLA models cache a compressed latent instead of K and V
    rope_dims: int = 0

    @classmethod
    def from_gguf(cls, info: GGUFInfo, weights: int | None = None) -> ModelShape:
        """`weights` overrides the tensor sum: split models pass all parts' sum, remote files their size.
        A header llama.cpp would refuse (or abort on) raises ModelFileError, as values that are not
        numbers where numbers belong do: a billion layers must not become a billion-entry tuple."""
        check_hyperparameters(info)
        try:
            return cls._from_gguf(info, weights)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ModelFileError(info.path, f"its header holds a value of the wrong kind ({exc})") from exc

    @classmethod
    def _from_gguf(cls, info: GGUFInfo, weights: int | None) -> ModelShape:
        n_layers = info.block_count
        n_embd = int(info.arch_value("embedding_length", 0) or 0)
        n_head = _first_int(info.arch_value("attention.head_count", 0)) or 1
        raw_kv = info.arch_value("attention.head_count_kv", n_head)
        if isinstance(raw_kv, list) and raw_kv:
            kv_heads = tuple(int(v) for v in raw_kv[:n_layers])
        else:
            kv_heads = (_first_int(raw_kv) or n_head,) * n_layers
        head_dim = n_embd // n_head if n_head else 0
        vocab = info.arch_value("vocab_size") or _array_length(info.metadata.get("tokenizer.ggml.tokens"))
        experts_used = int(info.arch_value("expert_used_count", 0) or 0)
        expert_ff = int(info.arch_value("expert_feed_forward_length", 0) or 0)
        dense_ff = _first_int(info.arch_value("feed_forward_length", 0))
        n_ff = expert_ff * experts_used if experts_used and expert_ff else dense_ff
        return cls(
            architecture=info.architecture,
            weights=weights if weights is not None else sum(t.n_bytes for t in info.tensors),
            n_layers=n_layers,
            n_embd=n_embd,
            n_head=n_head,
            kv_heads_per_layer=kv_heads,
            key_length=int(info.arch_value("attention.key_length", 0) or head_dim),
            value_length=int(info.arch_value("attention.value_length", 0) or head_dim),
            n_vocab=int(vocab or 0),
            n_ff=n_ff,
            trained_context=info.context_length,
            kv_lora_rank=int(info.arch_value("attention.kv_lora_rank", 0) or 0),
            rope_dims=int(info.arch_value("rope.dimension_count", 0) or 0),
        )


def _first_int(value: Any) -> int:
    if isinstance(value, list):
        return int(max(value)) if value else 0
    return int(value or 0)


def _array_length(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    return int(getattr(value, "length", 0) or 0)


def default_context(trained_context: int, max_context: int = DEFAULT_MAX_CONTEXT) -> int:
    """The context the engine uses when none is chosen: the trained one, capped."""
    return min(trained_context or max_context, max_context)


@dataclass(frozen=True)
class MemoryEstimate:
    n_ctx: int
    weights: int
    kv_cache: int
    compute: int
    output: int
    correction: float = 1.0
    overhead: int = RUNTIME_OVERHEAD

    @property
    def raw_buffers(self) -> int:
        return self.weights + self.kv_cache + self.compute + self.output

    @property
    def buffers(self) -> int:
        """What llama.cpp should allocate: weights, KV cache, compute and output buffers."""
        return int(self.raw_buffers * self.correction)

    @property
    def total(self) -> int:
        return self.buffers + self.overhead

    def as_dict(self) -> dict[str, int | float]:
        return {
            "n_ctx": self.n_ctx,
            "weights": self.weights,
            "kv_cache": self.kv_cache,
            "compute": self.compute,
            "output": self.output,
            "correction": round(self.correction, 4),
            "overhead": self.overhead,
            "total": self.total,
        }


def estimate_memory(
    shape: ModelShape,
    n_ctx: int | None = None,
    *,
    n_ubatch: int = DEFAULT_UBATCH,
    kv_bytes: int = 2,
    flash_attention: bool | None = None,
    correction: float = 1.0,
) -> MemoryEstimate:
    """The formula in the module docstring, at `n_ctx` (default: the engine's default context).
    `flash_attention` None: as the engine decides by default (on when the build offloads to a GPU)."""
    if flash_attention is None:
        flash_attention = default_flash_attention()
    n_ctx = n_ctx or default_context(shape.trained_context)
    n_ubatch = min(n_ubatch, n_ctx)
    if shape.kv_lora_rank:
        per_token = shape.n_layers * (shape.kv_lora_rank + shape.rope_dims) * kv_bytes
    else:
        heads = sum(shape.kv_heads_per_layer) if shape.kv_heads_per_layer else 0
        per_token = heads * (shape.key_length + shape.value_length) * kv_bytes
    attention = 0 if flash_attention else (shape.n_head + 1) * n_ctx + 5 * shape.n_embd
    floats = max(shape.n_vocab + 2 * shape.n_embd, n_ctx // 2 + 3 * shape.n_ff + 4 * shape.n_embd, attention)
    return MemoryEstimate(
        n_ctx=n_ctx,
        weights=shape.weights,
        kv_cache=n_ctx * per_token,
        compute=n_ubatch * 4 * floats,
        output=shape.n_vocab * 4,
        correction=correction,
    )


def default_flash_attention() -> bool:
    """The engine's default (EngineSettings.flash_attention None): on with GPU offload, off on CPU."""
    return supports_gpu_offload()


def shape_of_files(paths: Sequence[Path]) -> ModelShape:
    """The shape of an installed model: the first part's header, every part's tensors."""
    infos = [read_gguf(p) for p in paths]
    weights = sum(t.n_bytes for info in infos for t in info.tensors)
    return ModelShape.from_gguf(infos[0], weights=weights)


# -- the verdict ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitReport:
    verdict: Verdict
    required: int  # bytes on the deciding device
    available: int  # free bytes there now
    device: str  # "RAM" or the accelerators, e.g. "CUDA0"
    detail: str  # one line for a tooltip or `--json`


def _verdict(need: int, free: int) -> Verdict:
    if need <= FIT_MARGIN * free:
        return "fits"
    return "tight" if need <= free else "won't fit"


def judge_fit(
    estimate: MemoryEstimate, *, ram_available: int | None = None, vram_free: dict[str, int] | None = None
) -> FitReport:
    """Compare an estimate with free memory. Omitted figures are measured now (psutil, ggml);
    `vram_free={}` means "CPU only"."""
    if ram_available is None:
        import psutil

        ram_available = int(psutil.virtual_memory().available)
    if vram_free is None:
        vram_free = _vram_free()
    gib = 1 << 30
    if vram_free:
        free = sum(vram_free.values())
        verdict = _verdict(estimate.buffers, free)
        names = "+".join(vram_free)
        if verdict == "fits" and estimate.overhead > ram_available:
            verdict = "tight"
        detail = f"needs {estimate.buffers / gib:.1f} GiB of {names} memory ({free / gib:.1f} GiB free)"
        return FitReport(verdict, estimate.buffers, free, names, detail)
    verdict = _verdict(estimate.total, ram_available)
    detail = f"needs {estimate.total / gib:.1f} GiB of RAM ({ram_available / gib:.1f} GiB available)"
    return FitReport(verdict, estimate.total, ram_available, "RAM", detail)


def _vram_free() -> dict[str, int]:
    from models.engine import hardware

    if not hardware.supports_gpu_offload():
        return {}
    return {d.name: d.memory_free for d in hardware.accelerators()}


# -- learning from real loads --------------------------------------------------------------------


def model_key(filename: str, size: int) -> str:
    """Corrections follow a file by name and size, so a Hub file and its installed copy share one."""
    return f"{Path(filename).name}:{size}"


class FitCorrections:
    """measured / estimated buffers per model file, kept in a small JSON file; thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def factor(self, key: str) -> float:
        with self._lock:
            entry = self._read().get(key)
        try:
            return float(entry["ratio"]) if isinstance(entry, dict) else 1.0
        except (KeyError, TypeError, ValueError):
            return 1.0

    def record(self, key: str, estimated_buffers: int, measured: int, n_ctx: int) -> float:
        """Store measured/estimated (clamped) for this file and return it."""
        low, high = CORRECTION_RANGE
        ratio = round(min(high, max(low, measured / estimated_buffers)), 4) if estimated_buffers > 0 else 1.0
        with self._lock:
            data = self._read()
            data[key] = {
                "ratio": ratio,
                "estimated": estimated_buffers,
                "measured": measured,
                "n_ctx": n_ctx,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            # Private like everything in the data folder: it names the models this user runs.
            # A read-only folder or a full disk: the correction is not kept, and nothing is left behind.
            try:
                write_private(self.path, json.dumps(data, indent=1, sort_keys=True))
            except OSError as exc:
                log.warning("Could not save the memory correction in %s: %s", self.path, exc)
        return ratio


def estimate_for_files(
    paths: Sequence[Path], n_ctx: int | None = None, corrections: FitCorrections | None = None
) -> MemoryEstimate:
    """The estimate for an installed model's files, corrected by what earlier loads measured."""
    shape = shape_of_files(paths)
    factor = corrections.factor(model_key(paths[0].name, sum(p.stat().st_size for p in paths))) if corrections else 1.0
    return estimate_memory(shape, n_ctx, correction=factor)


def record_load(
    corrections: FitCorrections, paths: Sequence[Path], n_ctx: int, memory_by_device: dict[str, int],
    flash_attention: bool | None = None,
) -> float:
    """After `Engine.load`: compare what llama.cpp allocated (`ModelInfo.memory_by_device`) with the
    uncorrected estimate at the context and attention kernel it used, and remember the ratio."""
    estimate = estimate_memory(shape_of_files(paths), n_ctx, flash_attention=flash_attention)
    key = model_key(paths[0].name, sum(p.stat().st_size for p in paths))
    return corrections.record(key, estimate.raw_buffers, sum(memory_by_device.values()), n_ctx)


def learn_from_load(corrections: FitCorrections, info: ModelInfo) -> float:
    """Call after every `Engine.load`: remembers what this model really took, for later estimates."""
    return record_load(corrections, split_parts(info.path), info.context_length, info.memory_by_device,
                       info.flash_attention)
