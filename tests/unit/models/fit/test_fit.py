"""The memory estimate against what llama.cpp really allocates, the verdict, and learning from loads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from models.engine import Engine, EngineSettings
from models.fit import (
    RUNTIME_OVERHEAD,
    FitCorrections,
    ModelShape,
    estimate_for_files,
    estimate_memory,
    judge_fit,
    learn_from_load,
    shape_of_files,
)
from tests.fixtures.hub_fixtures import HubModels
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

# The documented tolerance: estimate within 5% of what llama.cpp allocates (the starter model's
# figures agree to the byte; small models carry a few hundred kB of allocator rounding).
TOLERANCE = 0.05
MIB = 1 << 20


@pytest.mark.starter
@pytest.mark.parametrize("flash_attention", [True, False], ids=["flash-attention", "plain-attention"])
def test_the_estimate_matches_the_starter_models_measured_memory(starter_model: Path, flash_attention: bool) -> None:
    engine = Engine(EngineSettings(flash_attention=flash_attention))
    try:
        loaded = engine.load(starter_model)
    finally:
        engine.unload()
    assert loaded.flash_attention is flash_attention
    measured = sum(loaded.memory_by_device.values())
    estimate = estimate_memory(shape_of_files([starter_model]), loaded.context_length, flash_attention=flash_attention)
    assert loaded.context_length == 8192
    assert estimate.weights == 96_576_768  # the tensors: llama.cpp's "model buffer" (92.10 MiB)
    assert estimate.kv_cache == 180 * MIB  # 30 layers x 3 KV heads x 64 x (K + V) x f16 x 8192
    assert abs(estimate.raw_buffers - measured) <= TOLERANCE * measured, (estimate, loaded.memory_by_device)
    assert estimate.total == estimate.raw_buffers + RUNTIME_OVERHEAD


@pytest.mark.parametrize("flash_attention", [True, False], ids=["flash-attention", "plain-attention"])
@pytest.mark.parametrize(
    "spec",
    [
        TinyModelSpec(n_embd=256, n_ff=1024, n_head=8, n_head_kv=8, context_length=4096),
        TinyModelSpec(n_embd=512, n_ff=256, n_head=8, n_head_kv=2, context_length=4096),
        TinyModelSpec(n_embd=64, n_ff=2048, context_length=2048),
    ],
    ids=["wide-ffn", "wide-embedding", "gqa-long-ffn"],
)
def test_the_estimate_follows_the_shape(tmp_path: Path, spec: TinyModelSpec, flash_attention: bool) -> None:
    path = write_tiny_model(tmp_path / "m.gguf", spec)
    engine = Engine(EngineSettings(flash_attention=flash_attention))
    try:
        loaded = engine.load(path)
    finally:
        engine.unload()
    measured = sum(loaded.memory_by_device.values())
    estimate = estimate_memory(shape_of_files([path]), loaded.context_length, flash_attention=flash_attention)
    assert abs(estimate.raw_buffers - measured) <= TOLERANCE * measured, (estimate, loaded.memory_by_device)


def test_a_smaller_context_needs_a_smaller_cache(hub_models: HubModels) -> None:
    shape = shape_of_files([hub_models.large])
    full, short = estimate_memory(shape), estimate_memory(shape, 512)
    assert full.n_ctx == shape.trained_context == 2048
    assert short.kv_cache * 4 == full.kv_cache and short.weights == full.weights


def test_per_layer_heads_key_lengths_and_mla() -> None:
    shape = ModelShape(
        architecture="x",
        weights=0,
        n_layers=4,
        n_embd=1024,
        n_head=16,
        kv_heads_per_layer=(8, 0, 8, 0),
        key_length=128,
        value_length=64,
        n_vocab=1000,
        n_ff=4096,
        trained_context=4096,
    )
    assert estimate_memory(shape, 1000).kv_cache == 1000 * 16 * (128 + 64) * 2
    mla = replace(shape, kv_lora_rank=512, rope_dims=64)
    assert estimate_memory(mla, 1000).kv_cache == 1000 * 4 * (512 + 64) * 2
    no_flash = estimate_memory(shape, 1000, flash_attention=False)
    assert no_flash.compute > estimate_memory(shape, 1000, flash_attention=True).compute


def test_the_verdict_and_its_margin(hub_models: HubModels) -> None:
    estimate = estimate_memory(shape_of_files([hub_models.small]))
    need = estimate.total
    assert judge_fit(estimate, ram_available=need * 2, vram_free={}).verdict == "fits"
    assert judge_fit(estimate, ram_available=int(need / 0.9), vram_free={}).verdict == "tight"
    assert judge_fit(estimate, ram_available=need - 1, vram_free={}).verdict == "won't fit"
    on_gpu = judge_fit(estimate, ram_available=need * 10, vram_free={"CUDA0": estimate.buffers - 1})
    assert on_gpu.verdict == "won't fit" and on_gpu.device == "CUDA0" and "CUDA0 memory" in on_gpu.detail
    two_gpus = {"CUDA0": estimate.buffers, "CUDA1": estimate.buffers}
    both = judge_fit(estimate, ram_available=need * 10, vram_free=two_gpus)
    assert both.verdict == "fits" and both.available == 2 * estimate.buffers
    measured_now = judge_fit(estimate)
    assert measured_now.available > 0 and measured_now.verdict in ("fits", "tight", "won't fit")


def test_a_load_corrects_later_estimates_for_that_model(tmp_path: Path, hub_models: HubModels) -> None:
    corrections = FitCorrections(tmp_path / "data" / "fit.json")
    before = estimate_for_files([hub_models.large], 1024, corrections)
    assert before.correction == 1.0
    engine = Engine(EngineSettings(max_context=1024))
    try:
        loaded = engine.load(hub_models.large)
    finally:
        engine.unload()
    ratio = learn_from_load(corrections, loaded)
    measured = sum(loaded.memory_by_device.values())
    assert ratio == pytest.approx(measured / before.raw_buffers, abs=1e-4)
    after = estimate_for_files([hub_models.large], 1024, corrections)
    assert after.correction == ratio and after.buffers == pytest.approx(measured, rel=1e-3)
    # Another process reads the same file; a wild measurement is clamped.
    again = FitCorrections(tmp_path / "data" / "fit.json")
    assert again.factor(f"{hub_models.large.name}:{hub_models.large.stat().st_size}") == ratio
    assert again.record("other.gguf:1", 100, 1000, 512) == 2.0


def test_corrections_are_private(tmp_path: Path) -> None:
    import stat

    from models.fit import FitCorrections

    store = FitCorrections(tmp_path / "fit.json")
    store.record("model-key", 1000, 1100, 4096)
    assert stat.S_IMODE((tmp_path / "fit.json").stat().st_mode) == 0o600
