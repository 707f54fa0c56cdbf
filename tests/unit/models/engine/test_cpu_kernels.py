"""The AMX decision: a pure function of llama.cpp's system info and the CPU's flags."""

from __future__ import annotations

from pathlib import Path

import llama_cpp
import llama_cpp.llama_cpp as llama_capi

from models.engine import Engine, EngineSettings, choose_extra_buffers, cpu_kernels

# llama_print_system_info() of the native build on this project's Intel Xeon (Sapphire Rapids class).
AMX_BUILD = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | "
    "OPENMP = 1 | REPACK = 1 | "
)
# The portable build `make package` compiles (GGML_NATIVE=OFF), on the same machine.
PORTABLE_BUILD = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | LLAMAFILE = 1 | "
    "OPENMP = 1 | REPACK = 1 | "
)
# Apple Silicon with Metal, in this llama.cpp version's feature table (the Metal backend registers first).
APPLE_BUILD = (
    "Metal : EMBED_LIBRARY = 1 | CPU : NEON = 1 | ARM_FMA = 1 | FP16_VA = 1 | MATMUL_INT8 = 1 | DOTPROD = 1 | "
    "ACCELERATE = 1 | REPACK = 1 | "
)
EPYC_FLAGS = frozenset(["fpu", "sse", "sse2", "avx", "avx2", "avx512f", "avx512_vnni"])
XEON_FLAGS = EPYC_FLAGS | {"amx_bf16", "amx_tile", "amx_int8"}
CPUINFO_X86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse amx_tile amx_int8\nbogomips\t: 4000\n"
CPUINFO_ARM = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes crc32 atomics\n"


def test_an_amx_build_on_an_amx_cpu_loads_without_extra_buffers() -> None:
    choice = choose_extra_buffers(AMX_BUILD, XEON_FLAGS)
    assert not choice.extra_buffers and choice.automatic
    assert "AMX" in choice.reason and "rebuild" in choice.reason


def test_unknown_cpu_flags_count_as_amx_when_the_build_has_it() -> None:
    assert not choose_extra_buffers(AMX_BUILD, None).extra_buffers


def test_an_amx_build_on_a_cpu_without_amx_keeps_extra_buffers() -> None:
    assert choose_extra_buffers(AMX_BUILD, EPYC_FLAGS).extra_buffers


def test_builds_without_amx_keep_extra_buffers() -> None:
    assert choose_extra_buffers(PORTABLE_BUILD, XEON_FLAGS).extra_buffers
    assert choose_extra_buffers(APPLE_BUILD, None).extra_buffers
    assert choose_extra_buffers(APPLE_BUILD, cpu_kernels.parse_cpu_flags(CPUINFO_ARM)).extra_buffers


def test_the_users_choice_wins_either_way() -> None:
    forced = choose_extra_buffers(AMX_BUILD, XEON_FLAGS, requested=True)
    assert forced.extra_buffers and not forced.automatic and "Settings" in forced.reason
    assert not choose_extra_buffers(APPLE_BUILD, None, requested=False).extra_buffers


def test_cpu_flags_from_cpuinfo() -> None:
    assert cpu_kernels.parse_cpu_flags(CPUINFO_X86) == {"fpu", "sse", "amx_tile", "amx_int8"}
    assert cpu_kernels.parse_cpu_flags(CPUINFO_ARM) == {"fp", "asimd", "evtstrm", "aes", "crc32", "atomics"}
    assert cpu_kernels.parse_cpu_flags("nothing here") is None


def test_model_params_sets_use_extra_bufts_only_inside_the_block() -> None:
    original = llama_capi.llama_model_default_params
    for wanted in (False, True):
        with cpu_kernels.model_params(wanted):
            assert llama_capi.llama_model_default_params().use_extra_bufts is wanted
        assert llama_capi.llama_model_default_params is original
    assert llama_capi.llama_model_default_params().use_extra_bufts is True  # llama.cpp's own default


def test_the_engine_reports_the_choice_it_loaded_with(tiny_model: Path) -> None:
    engine = Engine(EngineSettings(extra_buffers=False))
    assert engine.load(tiny_model).extra_buffers is False
    automatic = engine.load(tiny_model, settings=EngineSettings())
    expected = choose_extra_buffers(llama_cpp.llama_print_system_info().decode(), cpu_kernels.cpu_flags())
    assert automatic.extra_buffers is expected.extra_buffers
    engine.unload()
