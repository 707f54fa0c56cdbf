"""The llama.cpp runtime: the only package that imports `llama_cpp`. The engine (load, chat,
cancel), its worker thread, prefix reuse, CPU and GPU facts, the template check against a
model's vocabulary, embeddings and the bench."""

from models.cancel import CancelToken
from models.engine.bench import bench_messages, run_bench
from models.engine.context_window import fit_to_context
from models.engine.embedding import EmbeddingModel
from models.engine.engine import Engine
from models.engine.hardware import supports_gpu_offload
from models.engine.lora import MAX_SCALE, AdapterChoice, LoadedAdapters, adapter_choices
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
    "LoadedAdapters",
    "ModelInfo",
    "Pieces",
    "PromptInspection",
    "SamplingParams",
    "Segment",
    "TemplateReport",
    "adapter_choices",
    "annotate_prompt",
    "bench_messages",
    "check_loaded",
    "check_model_file",
    "check_template",
    "fit_to_context",
    "inspect_prompt",
    "run_bench",
    "supports_gpu_offload",
]
