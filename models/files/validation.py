"""Whether a GGUF file can be handed to llama.cpp: its header (models.files.header), then the
hyper-parameters llama.cpp asserts on.

A GGUF header can be perfectly well-formed and still take the whole process down: llama.cpp
checks some values with GGML_ASSERT, which aborts instead of raising (llama-model.cpp,
`load_hparams`, in the llama.cpp that llama-cpp-python 0.3.36 vendors), and others only fail
once generation runs (a NaN norm epsilon). `validate_model` refuses such files with the reason;
it is the one gate every load, import and template check passes through. What it checks, for
every architecture (each key under the file's own `<architecture>.` prefix):

- numbers are numbers: the counts and lengths below are unsigned integers, or per-layer integer
  arrays with one entry per layer where llama.cpp allows that, never strings or other arrays;
- `block_count` between 1 and 512 (LLAMA_MAX_LAYERS), `nextn_predict_layers` at most that;
- experts: `expert_count` at most 1024 (LLAMA_MAX_EXPERTS); a dense model (no experts) names no
  experts used; a mixture of experts uses between 1 and `expert_count` of them; expert groups
  divide the experts as llama.cpp asserts; the expert tensors hold `expert_count` experts;
- every floating-point value is finite, norm epsilons are above 0, rope bases are above 0;
- `rope.scaling.type` is one llama.cpp knows (an unknown one is an assert);
- weight tensors are not of an integer type (no matrix kernel takes them);
- the vocabulary is a real one: `tokenizer.ggml.model` "none" or "no_vocab" has no tokenizer,
  and llama.cpp asserts as soon as it is asked to tokenize.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from models.errors import ModelFileError
from models.files.header import ArrayInfo, GGUFInfo, read_gguf

MAX_LAYERS = 512  # LLAMA_MAX_LAYERS
MAX_EXPERTS = 1024  # LLAMA_MAX_EXPERTS
_UINT32 = 2**32
# Keys llama.cpp reads as one unsigned integer.
_COUNTS = (
    "block_count", "context_length", "embedding_length", "expert_count", "expert_shared_count",
    "expert_group_count", "expert_group_used_count", "leading_dense_block_count", "nextn_predict_layers",
    "rope.dimension_count", "attention.key_length", "attention.value_length", "vocab_size",
    "expert_feed_forward_length",
)
# Keys llama.cpp reads as one integer or an array of one per layer (`get_key_or_arr`).
_PER_LAYER = ("feed_forward_length", "attention.head_count", "attention.head_count_kv", "expert_used_count")
_EPSILONS = ("attention.layer_norm_rms_epsilon", "attention.layer_norm_epsilon")
_POSITIVE = ("rope.freq_base", "rope.freq_base_swa")
_ROPE_SCALING = frozenset({"none", "linear", "yarn", "longrope"})
_INTEGER_TYPES = frozenset({"I8", "I16", "I32", "I64"})
_NO_VOCABULARY = frozenset({"none", "no_vocab"})


def validate_model(path: str | Path) -> GGUFInfo:
    """Read a GGUF file and check it is a language model llama.cpp can be handed safely."""
    info = read_gguf(path)
    if str(info.metadata.get("general.type", "")).lower() == "adapter":
        raise ModelFileError(info.path, "it is a LoRA adapter, not a model: add it to its model as an adapter")
    if not info.architecture:
        raise ModelFileError(info.path, "it names no model architecture (general.architecture)")
    if not info.tensors:
        raise ModelFileError(info.path, "it contains no tensors")
    check_hyperparameters(info)
    return info


def check_hyperparameters(info: GGUFInfo) -> None:
    """Raise ModelFileError naming the first value llama.cpp would abort on."""
    arch = info.architecture
    metadata = info.metadata

    def fail(reason: str) -> None:
        raise ModelFileError(info.path, reason)

    for key, value in metadata.items():
        for number in value if isinstance(value, list) else [value]:
            if isinstance(number, float) and not math.isfinite(number):
                fail(f"{key} is {number}, not a finite number")
    layers = _count(info, "block_count", fail)
    if not 1 <= layers <= MAX_LAYERS:
        fail(f"it declares {layers} layers ({arch}.block_count); llama.cpp takes 1 to {MAX_LAYERS}")
    for key in _COUNTS:
        _count(info, key, fail)
    per_layer = {key: _per_layer(info, key, layers, fail) for key in _PER_LAYER}
    if _count(info, "context_length", fail) < 1:
        fail(f"its context length ({arch}.context_length) is missing or 0")
    if _count(info, "nextn_predict_layers", fail) > layers:
        fail(f"{arch}.nextn_predict_layers is larger than its {layers} layers")
    _check_experts(info, max(per_layer["expert_used_count"], default=0), fail)
    for key in _EPSILONS:
        value = _number(info, key, fail)
        if value is not None and not value > 0:
            fail(f"{arch}.{key} is {value}; a norm epsilon must be above 0")
    for key in _POSITIVE:
        value = _number(info, key, fail)
        if value is not None and not value > 0:
            fail(f"{arch}.{key} is {value}; it must be above 0")
    scaling = info.arch_value("rope.scaling.type")
    if scaling is not None and scaling not in _ROPE_SCALING:
        fail(f"its rope scaling type {str(scaling)[:40]!r} is not one llama.cpp knows")
    for tensor in info.tensors:
        if tensor.name.endswith(".weight") and tensor.type_name in _INTEGER_TYPES:
            fail(f"tensor {tensor.name!r} has the integer type {tensor.type_name}, which no weight can have")
    tokenizer = metadata.get("tokenizer.ggml.model")
    if not isinstance(tokenizer, str) or not tokenizer:
        fail("it has no tokenizer (tokenizer.ggml.model)")
    elif tokenizer in _NO_VOCABULARY:
        fail(f"it has no vocabulary (tokenizer model {tokenizer!r}), so nothing can be said to it")


def _check_experts(info: GGUFInfo, used: int, fail: Any) -> None:
    arch = info.architecture
    experts = _count(info, "expert_count", fail)
    groups = _count(info, "expert_group_count", fail)
    groups_used = _count(info, "expert_group_used_count", fail)
    if experts > MAX_EXPERTS:
        fail(f"it declares {experts} experts ({arch}.expert_count); llama.cpp takes at most {MAX_EXPERTS}")
    if experts == 0:
        if used:
            fail(f"it is a dense model (no {arch}.expert_count) yet says {used} experts are used")
        if groups:
            fail(f"it is a dense model yet declares {groups} expert groups")
    else:
        if not 1 <= used <= experts:
            fail(f"it uses {used} of its {experts} experts ({arch}.expert_used_count); it must use 1 to {experts}")
        if groups >= experts:
            fail(f"it declares {groups} expert groups for {experts} experts")
        if groups > 1 and (experts % groups or not 0 < groups_used < groups):
            fail(f"its {groups} expert groups ({groups_used} used) do not divide its {experts} experts")
    for tensor in info.tensors:
        if tensor.name.endswith("_exps.weight") and tensor.shape and tensor.shape[-1] != experts:
            fail(f"tensor {tensor.name!r} holds {tensor.shape[-1]} experts but the model declares {experts}")


def _count(info: GGUFInfo, key: str, fail: Any) -> int:
    """An unsigned 32-bit integer value (0 when absent)."""
    value = info.arch_value(key)
    if value is None:
        return 0
    if not _is_int(value) or not 0 <= value < _UINT32:
        fail(f"{info.architecture}.{key} is {_shown(value)} where a whole number is expected")
    return int(value)


def _per_layer(info: GGUFInfo, key: str, layers: int, fail: Any) -> list[int]:
    """One integer, or a list of one per layer; [] when absent."""
    value = info.arch_value(key)
    if value is None:
        return []
    if isinstance(value, list) and len(value) == layers and all(_is_int(v) and 0 <= v < _UINT32 for v in value):
        return [int(v) for v in value]
    if isinstance(value, ArrayInfo) and value.length == layers:
        return []  # longer than the header reader keeps; llama.cpp checks its type and length itself
    if isinstance(value, list) or not _is_int(value) or not 0 <= value < _UINT32:
        fail(f"{info.architecture}.{key} is {_shown(value)} where a whole number (or one per layer) is expected")
    return [int(value)]


def _number(info: GGUFInfo, key: str, fail: Any) -> float | None:
    value = info.arch_value(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(f"{info.architecture}.{key} is {_shown(value)} where a number is expected")
    return float(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, list) or hasattr(value, "length"):
        return "an array" if not isinstance(value, list) or len(value) > 8 else f"the array {value!r}"
    return repr(value)
