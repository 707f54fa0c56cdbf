"""What a GGUF file's name says: its quantization label and whether it is one part of a split model.

Split models follow llama.cpp's `gguf-split` convention, `NAME-00001-of-00003.gguf`; llama.cpp is
given the first part and finds the others next to it, so the parts always travel together.
Quantization labels are read from the name (`Q4_K_M`, `IQ4_XS`, `Q8_0`, `BF16`, `MXFP4`, ...),
case-insensitively and returned upper-case, because the Hub lists names long before any header
is read; for installed files `label_from_file_type` reads `general.file_type` as a fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_SPLIT = re.compile(r"^(?P<base>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.gguf$", re.IGNORECASE)
_QUANT = re.compile(
    r"(?<![A-Za-z0-9])("
    r"I?Q[1-8]_(?:K(?:_(?:XXS|XS|S|M|L|XL))?|[0-9](?:_[0-9]_[0-9])?|XXS|XS|S|M|NL|L)"
    r"|TQ[12]_0|MXFP4(?:_MOE)?|BF16|FP16|F16|F32"
    r")(?![A-Za-z0-9])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SplitName:
    base: str  # the name without "-0000k-of-0000n.gguf"
    index: int  # 1-based
    count: int

    def part(self, index: int) -> str:
        return f"{self.base}-{index:05d}-of-{self.count:05d}.gguf"

    @property
    def parts(self) -> list[str]:
        return [self.part(i) for i in range(1, self.count + 1)]


def split_name(filename: str) -> SplitName | None:
    """The split position of a part's file name (the last path component), or None."""
    match = _SPLIT.match(filename.rsplit("/", 1)[-1])
    if match is None or int(match["count"]) < 1:
        return None
    return SplitName(match["base"], int(match["index"]), int(match["count"]))


def split_parts(path: Path) -> list[Path]:
    """All parts of the split model `path` belongs to (just `[path]` when it is not split)."""
    split = split_name(path.name)
    if split is None:
        return [path]
    return [path.with_name(name) for name in split.parts]


def model_stem(filename: str) -> str:
    """A model's display name: the file name without folders, split suffix or `.gguf`."""
    name = filename.rsplit("/", 1)[-1]
    split = split_name(name)
    if split is not None:
        return split.base
    return name[: -len(".gguf")] if name.lower().endswith(".gguf") else name


def is_gguf(filename: str) -> bool:
    return filename.lower().endswith(".gguf")


def quant_label(filename: str) -> str | None:
    """The quantization named in a file name, e.g. "Q4_K_M" for `qwen2.5-7b-instruct-q4_k_m.gguf`."""
    found = _QUANT.findall(model_stem(filename))
    return found[-1].upper() if found else None


def label_from_file_type(file_type: object) -> str | None:
    """`general.file_type` (a llama.cpp `LlamaFileType`) as a label, e.g. 15 -> "Q4_K_M"."""
    from gguf.constants import LlamaFileType

    try:
        name = LlamaFileType(int(file_type)).name  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return name.removeprefix("MOSTLY_").removeprefix("ALL_")
