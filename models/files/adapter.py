"""LoRA adapters in llama.cpp's GGUF format, checked against a base model before llama.cpp sees them.

An adapter file (what llama.cpp's convert_lora_to_gguf.py writes) says `general.type = adapter`,
`adapter.type = lora`, `general.architecture` of its base model and `adapter.lora.alpha`; its
tensors come in pairs named after the base tensor they change: `blk.0.attn_q.weight.lora_a` and
`.lora_b`. Shapes are in ggml order (innermost first): for a base weight of shape (n_in, n_out),
lora_a is (n_in, rank) and lora_b is (rank, n_out); the token embedding has A and B swapped.

llama.cpp refuses a mismatched adapter too, but only in its log; this says why in words: another
architecture, tensors the model does not have (more layers), other dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.errors import AdapterFileError, AdapterMismatchError, ModelFileError
from models.files.header import GGUFInfo, TensorInfo, read_gguf

_SUFFIXES = (".lora_a", ".lora_b")
_TOKEN_EMBEDDING = "token_embd.weight"


@dataclass(frozen=True)
class LoraPair:
    target: str  # the base model tensor it changes, e.g. "blk.0.attn_q.weight"
    a: tuple[int, ...]
    b: tuple[int, ...]

    @property
    def rank(self) -> int:
        return self.a[0] if self.target.endswith(_TOKEN_EMBEDDING) else self.a[1]


@dataclass(frozen=True)
class AdapterInfo:
    path: Path
    file_size: int
    architecture: str
    alpha: float  # 0: llama.cpp applies the scale as given, otherwise scale × alpha / rank
    name: str
    pairs: tuple[LoraPair, ...]

    @property
    def rank(self) -> int:
        return max((pair.rank for pair in self.pairs), default=0)

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(pair.target for pair in self.pairs)


def is_adapter(info: GGUFInfo) -> bool:
    return str(info.metadata.get("general.type", "")).lower() == "adapter"


def read_adapter(path: str | Path) -> AdapterInfo:
    """Read and check a LoRA adapter file; ModelFileError says why it is not one."""
    try:
        info = read_gguf(path)
    except ModelFileError as exc:
        raise AdapterFileError(exc.path, exc.reason) from exc
    if not is_adapter(info):
        raise AdapterFileError(info.path, "it is a model, not a LoRA adapter (general.type is not 'adapter')")
    kind = str(info.metadata.get("adapter.type", ""))
    if kind != "lora":
        raise AdapterFileError(info.path, f"it is a '{kind or 'unknown'}' adapter; Hearth uses LoRA adapters")
    if not info.architecture:
        raise AdapterFileError(info.path, "the adapter names no model architecture (general.architecture)")
    alpha = info.metadata.get("adapter.lora.alpha", 0.0)
    if not isinstance(alpha, int | float) or alpha != alpha or alpha < 0:
        raise AdapterFileError(info.path, f"its LoRA alpha ({alpha!r}) is not a usable number")
    return AdapterInfo(info.path, info.file_size, info.architecture, float(alpha), info.name, _pairs(info))


def _pairs(info: GGUFInfo) -> tuple[LoraPair, ...]:
    halves: dict[str, dict[str, TensorInfo]] = {}
    for tensor in info.tensors:
        suffix = next((s for s in _SUFFIXES if tensor.name.endswith(s)), None)
        if suffix is None:
            if tensor.name.endswith("_norm.weight"):
                continue  # llama.cpp skips norm vectors in adapters too
            raise AdapterFileError(info.path, f"tensor '{tensor.name}' is not a LoRA tensor (.lora_a or .lora_b)")
        if len(tensor.shape) < 2:
            raise AdapterFileError(info.path, f"LoRA tensor '{tensor.name}' is not a matrix")
        halves.setdefault(tensor.name.removesuffix(suffix), {})[suffix] = tensor
    pairs = []
    for target, half in sorted(halves.items()):
        if len(half) != 2:
            missing = "lora_b" if ".lora_a" in half else "lora_a"
            raise AdapterFileError(info.path, f"the LoRA pair for '{target}' lacks its {missing} tensor")
        a, b = half[".lora_a"].shape, half[".lora_b"].shape
        inner_a = a[0] if target.endswith(_TOKEN_EMBEDDING) else a[1]
        if inner_a != b[0]:
            raise AdapterFileError(info.path, f"the LoRA pair for '{target}' has ranks that disagree ({a} and {b})")
        pairs.append(LoraPair(target, a, b))
    if not pairs:
        raise AdapterFileError(info.path, "the adapter contains no LoRA tensors")
    return tuple(pairs)


def check_adapter(adapter: AdapterInfo, base: GGUFInfo) -> None:
    """Raise AdapterMismatchError saying why `adapter` cannot change `base` (architecture,
    tensors the base lacks, dimensions); return when every pair fits the base's tensors."""
    model = base.name
    if adapter.architecture != base.architecture:
        raise AdapterMismatchError(
            f"The adapter {adapter.path.name} was made for a {adapter.architecture} model; "
            f"{model} is a {base.architecture} model."
        )
    shapes = {tensor.name: tensor.shape for tensor in base.tensors}
    missing = [pair.target for pair in adapter.pairs if pair.target not in shapes]
    if missing:
        layers = base.block_count
        raise AdapterMismatchError(
            f"The adapter {adapter.path.name} changes tensors {model} does not have ({_some(missing)}): "
            f"it was made for another model ({model} has {layers} layer{'' if layers == 1 else 's'})."
        )
    # The dimensions llama.cpp itself compares (llama_adapter_lora_init).
    for pair in adapter.pairs:
        shape = shapes[pair.target]
        if len(shape) < 2:
            raise AdapterMismatchError(f"The adapter {adapter.path.name} changes '{pair.target}', "
                                       f"which is not a matrix in {model}.")
        embedding = pair.target.endswith(_TOKEN_EMBEDDING)
        expected = (pair.b[1], pair.a[1]) if embedding else (pair.a[0], pair.b[1])
        if tuple(shape[:2]) != expected:
            raise AdapterMismatchError(
                f"The adapter {adapter.path.name} does not fit {model}: '{pair.target}' is "
                f"{shape[0]}×{shape[1]} in the model but {expected[0]}×{expected[1]} in the adapter "
                "(it was made for a model of other dimensions)."
            )


def _some(names: list[str], shown: int = 3) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def check_adapter_file(adapter_path: str | Path, model_path: str | Path) -> AdapterInfo:
    """Read the adapter and the model's header, and check they fit; the adapter's details."""
    adapter = read_adapter(adapter_path)
    check_adapter(adapter, read_gguf(model_path))
    return adapter
