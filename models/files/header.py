"""Read and validate a GGUF file's header before llama.cpp ever sees it.

llama.cpp aborts the whole process on some malformed files (a `block_count` of 0, for one), and
hides the reason for most others, so every file is checked here first.

`gguf.GGUFReader` would do, but it parses every tensor and the whole vocabulary into numpy
arrays: seconds for a large-vocabulary model. This reader walks the header once, keeps the
scalar metadata, records only the length of the big arrays (tokens, merges), and checks that
every tensor's data lies inside the file. It uses the `gguf` package's own tables for value
types and quantization block sizes, so new quantization types come with a `gguf` upgrade.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType, GGUFValueType

from models.errors import ModelFileError

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
# Arrays longer than this (token lists, merges) are skipped, keeping only their length.
MAX_KEPT_ARRAY = 64

_SCALAR_FORMATS: dict[GGUFValueType, str] = {
    GGUFValueType.UINT8: "<B",
    GGUFValueType.INT8: "<b",
    GGUFValueType.UINT16: "<H",
    GGUFValueType.INT16: "<h",
    GGUFValueType.UINT32: "<I",
    GGUFValueType.INT32: "<i",
    GGUFValueType.FLOAT32: "<f",
    GGUFValueType.BOOL: "<?",
    GGUFValueType.UINT64: "<Q",
    GGUFValueType.INT64: "<q",
    GGUFValueType.FLOAT64: "<d",
}


@dataclass(frozen=True)
class ArrayInfo:
    """Stands in for a long metadata array that was skipped rather than read."""

    length: int


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    type_name: str
    offset: int  # absolute, in bytes from the start of the file
    n_bytes: int


@dataclass(frozen=True)
class GGUFInfo:
    path: Path
    file_size: int
    version: int
    metadata: dict[str, Any]
    tensors: tuple[TensorInfo, ...] = field(repr=False)

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))

    def arch_value(self, key: str, default: Any = None) -> Any:
        """A value under the architecture's own prefix, e.g. `llama.block_count`."""
        return self.metadata.get(f"{self.architecture}.{key}", default)

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def block_count(self) -> int:
        return int(self.arch_value("block_count", 0) or 0)

    @property
    def context_length(self) -> int:
        return int(self.arch_value("context_length", 0) or 0)

    @property
    def chat_template(self) -> str | None:
        template = self.metadata.get("tokenizer.chat_template")
        return template if isinstance(template, str) and template.strip() else None

    @property
    def parameter_count(self) -> int:
        count = 0
        for tensor in self.tensors:
            n = 1
            for dim in tensor.shape:
                n *= dim
            count += n
        return count


class _Cursor:
    """Sequential little-endian reads from a buffer, failing with a plain reason."""

    def __init__(self, buf: mmap.mmap | bytes, path: Path) -> None:
        self.buf = buf
        self.pos = 0
        self.path = path

    def take(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise ModelFileError(self.path, "the file is truncated (its header ends early)")
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        length = self.take("<Q")
        if self.pos + length > len(self.buf):
            raise ModelFileError(self.path, "the file is truncated (its header ends early)")
        raw = self.buf[self.pos : self.pos + length]
        self.pos += length
        return bytes(raw).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        length = self.take("<Q")
        self.pos += length

    def value(self, vtype: int) -> Any:
        try:
            kind = GGUFValueType(vtype)
        except ValueError:
            raise ModelFileError(self.path, f"unknown metadata value type {vtype}") from None
        if kind == GGUFValueType.STRING:
            return self.string()
        if kind == GGUFValueType.ARRAY:
            return self.array()
        return self.take(_SCALAR_FORMATS[kind])

    def array(self) -> list[Any] | ArrayInfo:
        item_type = self.take("<I")
        length = self.take("<Q")
        if length <= MAX_KEPT_ARRAY:
            return [self.value(item_type) for _ in range(length)]
        if item_type == GGUFValueType.STRING:
            for _ in range(length):
                self.skip_string()
        elif item_type == GGUFValueType.ARRAY:
            for _ in range(length):
                self.array()
        else:
            try:
                kind = GGUFValueType(item_type)
            except ValueError:
                raise ModelFileError(self.path, f"unknown metadata value type {item_type}") from None
            self.pos += struct.calcsize(_SCALAR_FORMATS[kind]) * length
        if self.pos > len(self.buf):
            raise ModelFileError(self.path, "the file is truncated (its header ends early)")
        return ArrayInfo(length)


def _tensor_bytes(path: Path, name: str, shape: tuple[int, ...], ggml_type: int) -> tuple[str, int]:
    try:
        qtype = GGMLQuantizationType(ggml_type)
        block_size, type_size = GGML_QUANT_SIZES[qtype]
    except (ValueError, KeyError):
        raise ModelFileError(path, f"tensor {name!r} has an unknown type {ggml_type}") from None
    n_elements = 1
    for dim in shape:
        n_elements *= dim
    if n_elements % block_size:
        raise ModelFileError(path, f"tensor {name!r} does not fill whole {qtype.name} blocks")
    return qtype.name, n_elements // block_size * type_size


def read_gguf(path: str | Path) -> GGUFInfo:
    """Parse the header of a GGUF file; raise ModelFileError with a plain reason if it is unusable."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(path, "the file does not exist")
    if path.is_dir():
        raise ModelFileError(path, "it is a folder, not a model file")
    file_size = path.stat().st_size
    if file_size == 0:
        raise ModelFileError(path, "the file is empty")
    with path.open("rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise ModelFileError(path, "it is not a GGUF model file")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(buf, path, file_size)


def _parse(buf: mmap.mmap, path: Path, file_size: int) -> GGUFInfo:
    cursor = _Cursor(buf, path)
    cursor.pos = 4
    version = cursor.take("<I")
    if version not in SUPPORTED_VERSIONS:
        raise ModelFileError(path, f"GGUF version {version} is not supported")
    tensor_count = cursor.take("<Q")
    kv_count = cursor.take("<Q")
    # Each entry takes at least a few bytes; absurd counts mean garbage, not a model.
    if tensor_count > file_size or kv_count > file_size:
        raise ModelFileError(path, "the header is corrupt (impossible entry counts)")

    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = cursor.string()
        metadata[key] = cursor.value(cursor.take("<I"))

    raw_tensors = []
    for _ in range(tensor_count):
        name = cursor.string()
        n_dims = cursor.take("<I")
        if n_dims > 8:
            raise ModelFileError(path, f"tensor {name!r} has {n_dims} dimensions")
        shape = tuple(cursor.take("<Q") for _ in range(n_dims))
        ggml_type = cursor.take("<I")
        offset = cursor.take("<Q")
        raw_tensors.append((name, shape, ggml_type, offset))

    alignment = int(metadata.get("general.alignment", DEFAULT_ALIGNMENT) or DEFAULT_ALIGNMENT)
    data_start = -(-cursor.pos // alignment) * alignment
    tensors = []
    for name, shape, ggml_type, offset in raw_tensors:
        type_name, n_bytes = _tensor_bytes(path, name, shape, ggml_type)
        start = data_start + offset
        if start + n_bytes > file_size:
            raise ModelFileError(
                path,
                f"the file is truncated: tensor {name!r} needs bytes up to {start + n_bytes:,} "
                f"but the file has {file_size:,}",
            )
        tensors.append(TensorInfo(name, shape, type_name, start, n_bytes))
    return GGUFInfo(path, file_size, version, metadata, tuple(tensors))


def validate_model(path: str | Path) -> GGUFInfo:
    """Read a GGUF file and check it is a language model llama.cpp can be handed safely."""
    info = read_gguf(path)
    if str(info.metadata.get("general.type", "")).lower() == "adapter":
        raise ModelFileError(info.path, "it is a LoRA adapter, not a model: add it to its model as an adapter")
    if not info.architecture:
        raise ModelFileError(info.path, "it names no model architecture (general.architecture)")
    if info.block_count <= 0:
        raise ModelFileError(info.path, f"it declares {info.block_count} layers ({info.architecture}.block_count)")
    if not info.tensors:
        raise ModelFileError(info.path, "it contains no tensors")
    return info
