"""The llama.cpp runtime: the only package that imports `llama_cpp`. The engine (load, chat,
cancel), its decode loop on llama.cpp's C API (prompt lookup included), its worker thread, prefix
reuse, CPU and GPU facts, the CPU kernels it may use, crash markers and safe mode, the template
check against a model's vocabulary (an embedding model's own checks at import), LoRA adapters,
embeddings and the bench."""

# ruff: noqa: E402  (OpenMP's spin is set before the imports below load llama.cpp)

from models.engine.openmp import spin_between_decodes

spin_between_decodes()  # before anything below loads llama.cpp (and with it OpenMP)

from models.cancel import CancelToken
from models.engine.bench import bench_messages, run_bench
from models.engine.context_window import fit_to_context
from models.engine.cpu_kernels import KernelChoice, choose_extra_buffers, kernel_choice, system_info
from models.engine.crash_guard import (
    SafeModeEntry,
    SafeModeMemory,
    StepMarker,
    StepRecord,
    generating,
    leftover_steps,
    safe_settings,
)
from models.engine.embedding import EmbeddingModel
from models.engine.engine import Engine
from models.engine.hardware import supports_gpu_offload
from models.engine.import_check import ImportCheck, check_embedding_model, check_import
from models.engine.lora import MAX_SCALE, AdapterChoice, LoadedAdapters, adapter_choices
from models.engine.native_model import NativeModel
from models.engine.output import Pieces
from models.engine.template_check import (
    Finding,
    PromptInspection,
    Segment,
    TemplateReport,
    annotate_prompt,
    check_loaded,
    check_model_file,
    check_template,
    inspect_prompt,
)
from models.engine.values import EngineSettings, GenerationStats, ModelInfo
from models.engine.worker import EngineWorker
from models.families import SamplingParams

__all__ = [
    "MAX_SCALE",
    "AdapterChoice",
    "CancelToken",
    "EmbeddingModel",
    "Engine",
    "EngineSettings",
    "EngineWorker",
    "Finding",
    "GenerationStats",
    "ImportCheck",
    "KernelChoice",
    "LoadedAdapters",
    "ModelInfo",
    "NativeModel",
    "Pieces",
    "PromptInspection",
    "SafeModeEntry",
    "SafeModeMemory",
    "SamplingParams",
    "Segment",
    "StepMarker",
    "StepRecord",
    "TemplateReport",
    "adapter_choices",
    "annotate_prompt",
    "bench_messages",
    "check_embedding_model",
    "check_import",
    "check_loaded",
    "check_model_file",
    "check_template",
    "choose_extra_buffers",
    "fit_to_context",
    "generating",
    "inspect_prompt",
    "kernel_choice",
    "leftover_steps",
    "run_bench",
    "safe_settings",
    "supports_gpu_offload",
    "system_info",
]
