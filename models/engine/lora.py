"""LoRA adapters on the loaded model: several at once, each at its own scale, switched without
reloading the base model.

llama.cpp loads an adapter's tensors next to the model's once (`llama_adapter_lora_init`); which
adapters a context applies, and at what scale, is then one call (`llama_set_adapters_lora`, which
0.3.36's bindings name in the plural; it replaces the whole set, so an empty set clears it).
Loaded adapters are kept while their model is, so switching back costs nothing either.

Every file is checked against the loaded model's header first (models.files.check_adapter): a
mismatched adapter is refused with the reason, and llama.cpp never sees it.

What the context computed with one set of adapters is wrong for another: the engine clears its
evaluated prompt and its prefix cache whenever `apply` says the set changed. A scale of 0 is the
same as no adapter (llama.cpp drops zero-scale adapters too), so it changes nothing.
"""

from __future__ import annotations

import ctypes
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp

from models.engine import llama_log
from models.errors import AdapterFileError, HearthModelError
from models.files import GGUFInfo, check_adapter, read_adapter

log = logging.getLogger(__name__)

MAX_SCALE = 2.0


@dataclass(frozen=True)
class AdapterChoice:
    """One adapter to apply, and how strongly (0: not at all, 1: as trained, up to 2)."""

    path: Path
    scale: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.scale, int | float) and math.isfinite(self.scale) and 0 <= self.scale <= MAX_SCALE):
            raise HearthModelError(f"An adapter's scale is a number from 0 to {MAX_SCALE:g}, not {self.scale!r}.")


def adapter_choices(settings: Mapping[str, Any]) -> tuple[AdapterChoice, ...]:
    """The adapters a conversation's (or an assistant's) settings ask for: `adapters`, a list of
    {"path", "scale"} (and a "name" for people). Entries that are not that are skipped."""
    entries = settings.get("adapters")
    choices = []
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, Mapping) and isinstance(entry.get("path"), str) and entry["path"]:
            scale = entry.get("scale", 1.0)
            if isinstance(scale, int | float) and math.isfinite(scale):
                choices.append(AdapterChoice(Path(entry["path"]), min(max(float(scale), 0.0), MAX_SCALE)))
    return tuple(choices)


def _key(path: Path) -> tuple[str, int, int]:
    """An adapter file as it is now: a file replaced under the same name is loaded again."""
    try:
        info = path.stat()
    except OSError as exc:
        raise AdapterFileError(path, "the file does not exist" if isinstance(exc, FileNotFoundError)
                               else f"it cannot be read ({exc.strerror or exc})") from exc
    return str(path.resolve()), info.st_mtime_ns, info.st_size


class LoadedAdapters:
    """The adapters loaded for one llama.cpp model, and the set its context applies."""

    def __init__(self, llm: llama_cpp.Llama, model: GGUFInfo) -> None:
        self._llm, self._model = llm, model
        self._handles: dict[tuple[str, int, int], Any] = {}  # llama_adapter_lora pointers
        self.active: tuple[tuple[tuple[str, int, int], float], ...] = ()
        self.files_loaded = 0  # adapter files llama.cpp has read for this model

    @property
    def active_paths(self) -> list[Path]:
        return [Path(key[0]) for key, _scale in self.active]

    def apply(self, choices: Iterable[AdapterChoice]) -> bool:
        """Make `choices` the adapters the context applies; True when that changes the model's
        output (so what it evaluated before is stale). Raises AdapterMismatchError or
        AdapterFileError, leaving the set in use as it was."""
        wanted: dict[tuple[str, int, int], float] = {}
        for choice in choices:
            if choice.scale > 0:
                key = _key(choice.path)
                wanted[key] = wanted.get(key, 0.0) + choice.scale
        target = tuple(sorted(wanted.items()))
        if target == self.active:
            return False
        handles = [self._load(key) for key, _scale in target]
        array = (llama_cpp.llama_adapter_lora_p_ctypes * len(handles))(*handles) if handles else None
        scales = (ctypes.c_float * len(handles))(*(scale for _key, scale in target)) if handles else None
        if llama_cpp.llama_set_adapters_lora(self._llm.ctx, array, len(handles), scales) != 0:
            raise HearthModelError("llama.cpp could not apply the adapters.")
        self.active = target
        log.info("Adapters in use: %s", ", ".join(f"{Path(k[0]).name} × {s:g}" for k, s in target) or "none")
        return True

    def _load(self, key: tuple[str, int, int]) -> Any:
        handle = self._handles.get(key)
        if handle is not None:
            return handle
        path = Path(key[0])
        check_adapter(read_adapter(path), self._model)
        with llama_log.capture() as lines:
            loaded = llama_cpp.llama_adapter_lora_init(self._llm.model, str(path).encode("utf-8"))
        if not loaded:
            reason = llama_log.failure_reason(lines) or "llama.cpp could not load it"
            raise AdapterFileError(path, reason)
        self.files_loaded += 1
        self._handles[key] = loaded
        return loaded

    def close(self) -> None:
        """Before the model is freed: no adapters on the context, and theirs freed."""
        if self.active:
            llama_cpp.llama_set_adapters_lora(self._llm.ctx, None, 0, None)
            self.active = ()
        for handle in self._handles.values():
            llama_cpp.llama_adapter_lora_free(handle)
        self._handles.clear()


def describe(choices: Sequence[AdapterChoice]) -> str:
    """'style.gguf × 0.8, legal.gguf × 1' for notes and logs."""
    return ", ".join(f"{choice.path.name} × {choice.scale:g}" for choice in choices)
