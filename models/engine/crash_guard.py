"""A crash inside llama.cpp is never silent and never repeats blindly.

llama.cpp runs in process, so a bad kernel, a driver or an exotic model file kills Hearth with a
signal that no `except` catches. Before each load and each answer the engine writes what it is
about to do (the model file, the backend, the settings; never chat text) into a small marker
file of its own process, and removes it when the step ends, however it ends in Python. A marker
whose process is gone names the step that process died in. The next start reads it, says what
crashed and offers safe mode for that model (`safe_settings`); safe mode that then answers is
remembered per model file (`SafeModeMemory`).

A marker is written once per step (a few hundred bytes, atomic rename), never per token.
`HEARTH_TEST_CRASH=load|generate` makes the engine crash itself at that step with a real
segmentation fault, for the tests of all this (`HEARTH_TEST_CRASH_WHEN=FILE`: during an
answer, only once FILE exists).
"""

from __future__ import annotations

import atexit
import ctypes
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import psutil

from models.engine import cpu_kernels
from models.engine.values import EngineSettings, ModelInfo
from models.private import write_private

if TYPE_CHECKING:
    from models.engine.engine import Engine

log = logging.getLogger(__name__)

Step = Literal["load", "generate"]
SafeModeState = Literal["trial", "works"]
TEST_CRASH = "HEARTH_TEST_CRASH"
TEST_CRASH_WHEN = "HEARTH_TEST_CRASH_WHEN"
SAFE_CONTEXT = 2048
_MARKER_PREFIX = "step-"


@dataclass(frozen=True)
class StepRecord:
    """One load or answer in progress, as its marker file holds it."""

    step: Step
    model_path: str
    model_name: str
    file_size: int
    backend: str  # "CPU (Intel Xeon)", "CUDA (NVIDIA H200)"
    settings: dict[str, Any]  # context, threads, gpu_layers, flash_attention, extra_buffers, safe_mode
    system_info: str  # llama.cpp's feature list
    started: str  # ISO 8601, UTC
    pid: int
    process_started: float  # the process's start time: a pid the system reused is not the same process
    signal: str | None = None  # filled in from the log when the process is found dead

    @property
    def safe_mode(self) -> bool:
        return bool(self.settings.get("safe_mode"))

    @property
    def device(self) -> str:
        """The backend's family: "CPU", "CUDA", "Metal"..."""
        return self.backend.split(" (")[0] or "CPU"

    def describe(self) -> str:
        """'while answering with NAME on CPU'"""
        doing = "answering with" if self.step == "generate" else "loading"
        return f"while {doing} {self.model_name} on {self.device}"

    def save(self, path: Path) -> None:
        """Write the record to `path` (atomically, readable by the user only)."""
        write_private(path, json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, path: Path) -> StepRecord | None:
        """The record saved in `path`; None when there is none or it is unreadable."""
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    @classmethod
    def from_json(cls, raw: object) -> StepRecord | None:
        if not isinstance(raw, dict):
            return None
        names = {f.name for f in fields(cls)}
        try:
            record = cls(**{k: v for k, v in raw.items() if k in names})
        except TypeError:
            return None
        if record.step not in ("load", "generate") or not isinstance(record.settings, dict):
            return None
        return record


def safe_settings(settings: EngineSettings) -> EngineSettings:
    """Safe mode: CPU only, no extra buffer types (repacked weights, AMX), no flash attention,
    a context of at most 2,048 tokens."""
    return replace(settings, gpu_layers=0, extra_buffers=False, flash_attention=False, safe_mode=True,
                   max_context=min(settings.max_context, SAFE_CONTEXT))


def _process_started() -> float:
    try:
        return float(psutil.Process().create_time())
    except psutil.Error:
        return 0.0


class StepMarker:
    """The marker file of this process in `folder` (the app's data folder decides where)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / f"{_MARKER_PREFIX}{os.getpid()}.json"
        self._process_started = _process_started()
        self._warned = False
        # A process that exits in order while a step still runs (the window closed during a long
        # load) did not crash: its marker goes with it. A fatal signal skips this.
        atexit.register(self.path.unlink, missing_ok=True)

    def record(self, step: Step, model: Path, name: str, backend: str, settings: dict[str, Any],
               system_info: str) -> StepRecord:
        try:
            size = model.stat().st_size
        except OSError:
            size = 0
        return StepRecord(step, str(model), name, size, backend, settings, system_info,
                          datetime.now(UTC).isoformat(timespec="seconds"), os.getpid(), self._process_started)

    @contextmanager
    def step(self, record: StepRecord) -> Iterator[None]:
        """The marker says `record` while the block runs; a Python exception ends the step too
        (it is not a crash). A marker that cannot be written never stops the step."""
        try:
            write_private(self.path, json.dumps(asdict(record)))
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("Cannot write the crash marker %s (%s); a crash would go unnoticed", self.path, exc)
        try:
            yield
        finally:
            self.path.unlink(missing_ok=True)


def _alive(record: StepRecord) -> bool:
    if record.pid == os.getpid():
        return True
    try:
        process = psutil.Process(record.pid)
        return not record.process_started or abs(process.create_time() - record.process_started) < 1.0
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return True  # another user's process, or no way to tell: leave its marker alone


def leftover_steps(folder: Path) -> list[StepRecord]:
    """The steps that processes died in: markers whose process is gone, oldest first. Their
    files are removed (each crash is reported once); unreadable markers are removed too."""
    found = []
    for path in sorted(folder.glob(f"{_MARKER_PREFIX}*.json")) if folder.is_dir() else []:
        record = StepRecord.load(path)
        if record is not None and _alive(record):
            continue
        if record is not None:
            found.append(record)
        path.unlink(missing_ok=True)
    return sorted(found, key=lambda r: r.started)


def model_key(path: Path) -> str | None:
    """A model file's identity for safe mode: its full path and size (a new file at the same
    path is another model). None when the file is gone."""
    try:
        resolved = path.resolve()
        return f"{resolved}|{resolved.stat().st_size}"
    except OSError:
        return None


@dataclass(frozen=True)
class SafeModeEntry:
    path: str
    state: SafeModeState  # "trial": chosen after a crash, not yet answered; "works": it answered
    since: str  # ISO 8601, UTC: when it was chosen
    reason: str = field(default="")  # what crashed, e.g. "while answering with X on CPU"


class SafeModeMemory:
    """Model files that load in safe mode: a small JSON file in the data folder, keyed by path
    and size. A broken file is treated as empty (safe mode is a convenience, not data)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, SafeModeEntry]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("Safe mode memory %s is unreadable (%s); starting afresh", self.path, exc)
            return {}
        entries = {}
        for key, value in (raw.get("models", {}) if isinstance(raw, dict) else {}).items():
            try:
                entry = SafeModeEntry(**value)
            except TypeError:
                continue
            if entry.state in ("trial", "works"):
                entries[key] = entry
        return entries

    def _write(self, entries: dict[str, SafeModeEntry]) -> None:
        write_private(self.path, json.dumps({"models": {k: asdict(v) for k, v in entries.items()}}, indent=2))

    def get(self, model: Path) -> SafeModeEntry | None:
        key = model_key(model)
        return self._read().get(key) if key else None

    def entries(self) -> list[SafeModeEntry]:
        return list(self._read().values())

    def choose(self, model: Path, reason: str = "") -> None:
        """Load `model` in safe mode from now on, on trial until an answer works."""
        self._set(model, "trial", reason)

    def confirm(self, model: Path) -> bool:
        """Safe mode answered with `model`: remember it for good. True when that is news."""
        entry = self.get(model)
        if entry is None or entry.state == "works":
            return False
        self._set(model, "works", entry.reason)
        return True

    def _set(self, model: Path, state: SafeModeState, reason: str) -> None:
        key = model_key(model)
        if key is None:
            return
        entries = self._read()
        entries[key] = SafeModeEntry(str(model.resolve()), state, datetime.now(UTC).isoformat(timespec="seconds"),
                                     reason)
        self._write(entries)

    def forget(self, model: Path) -> bool:
        key = model_key(model)
        entries = self._read()
        if key is None or key not in entries:
            return False
        del entries[key]
        self._write(entries)
        return True


# -- the test-only switch ---------------------------------------------------------------------


def _segfault() -> None:
    """Die the way a llama.cpp kernel bug kills the process: a read of address 0 (SIGSEGV)."""
    log.error("%s: crashing on purpose", TEST_CRASH)
    ctypes.string_at(0)


def crash_if_asked(step: Step) -> None:
    if os.environ.get(TEST_CRASH) == step and not os.environ.get(TEST_CRASH_WHEN):
        _segfault()


def crashing_when_asked(on_text: Callable[[str], None]) -> Callable[[str], None]:
    """`on_text`, or (HEARTH_TEST_CRASH=generate) a callback that crashes after passing on a
    piece of the answer: at once, or once the file HEARTH_TEST_CRASH_WHEN names exists."""
    if os.environ.get(TEST_CRASH) != "generate":
        return on_text
    trigger = os.environ.get(TEST_CRASH_WHEN)

    def streamed(text: str) -> None:
        on_text(text)
        if not trigger or os.path.exists(trigger):
            _segfault()

    return streamed


# -- the engine's steps ------------------------------------------------------------------------


def settings_record(settings: EngineSettings, context: int, threads: int, gpu_layers: int, flash_attention: bool,
                    extra_buffers: bool) -> dict[str, Any]:
    """The settings a step runs with, as the marker and the diagnostics show them."""
    return {"context": context, "threads": threads, "gpu_layers": gpu_layers, "flash_attention": flash_attention,
            "extra_buffers": extra_buffers, "batch_size": settings.batch_size, "safe_mode": settings.safe_mode}


def model_settings(model: ModelInfo, settings: EngineSettings) -> dict[str, Any]:
    return settings_record(settings, model.context_length, model.threads, model.gpu_layers, model.flash_attention,
                           model.extra_buffers)


@contextmanager
def generating(engine: Engine, on_text: Callable[[str], None]) -> Iterator[Callable[[str], None]]:
    """The block generates an answer with `engine`: its marker says so (when the engine has a
    `guard`). Yields the callback to stream the answer into (`on_text`, unless a test asked
    for a crash)."""
    model, marker = engine.model, engine.guard
    if marker is None or model is None:
        yield crashing_when_asked(on_text)
        return
    record = marker.record("generate", model.path, model.name, model.backend, model_settings(model, engine.settings),
                           cpu_kernels.system_info())
    with marker.step(record):
        yield crashing_when_asked(on_text)
