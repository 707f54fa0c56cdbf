"""After a crash inside llama.cpp: what the next start finds, says and offers.

The engine records each load and answer in a marker file while it runs
(models.engine.crash_guard); a marker left behind by a process that is gone means Hearth
crashed there. `collect_crashes` turns those markers into the last crash (kept for Copy
diagnostics, with the signal faulthandler logged) and `notice` says it in plain words. The
window offers safe mode for the model; `hearth chat` switches it on for that model by itself.
Nothing here holds chat text: a record names the model file, the backend and the settings.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from desktop.logs import fatal_error
from desktop.paths import AppPaths
from models.engine import EngineSettings, SafeModeMemory, StepMarker, StepRecord, leftover_steps, safe_settings

log = logging.getLogger(__name__)

SAFE_MODE = "CPU only, no extra CPU kernels, no flash attention, a context of at most 2,048 tokens"


def step_marker(paths: AppPaths) -> StepMarker:
    """This process's marker, for the engine (`Engine(settings, guard=...)`)."""
    return StepMarker(paths.step_markers)


def safe_mode_memory(paths: AppPaths) -> SafeModeMemory:
    return SafeModeMemory(paths.safe_mode_file)


def collect_crashes(paths: AppPaths) -> list[StepRecord]:
    """The steps Hearth processes died in since the last look, oldest first, each with its
    signal when the log has it. The newest is kept as the last crash; each is reported once."""
    records = [replace(r, signal=fatal_error(paths.logs, r.pid)) for r in leftover_steps(paths.step_markers)]
    for record in records:
        log.info("Hearth stopped unexpectedly %s (%s); settings: %s", record.describe(),
                    record.signal or "signal unknown", record.settings)
    if records:
        try:
            records[-1].save(paths.last_crash_file)
        except OSError as exc:
            log.warning("Cannot keep the last crash in %s: %s", paths.last_crash_file, exc)
    return records


def last_crash(paths: AppPaths) -> StepRecord | None:
    return StepRecord.load(paths.last_crash_file)


def notice(record: StepRecord) -> str:
    """'Hearth stopped unexpectedly while answering with NAME on CPU.'"""
    return f"Hearth stopped unexpectedly {record.describe()}."


def settings_for(model: Path, settings: EngineSettings, memory: SafeModeMemory) -> EngineSettings:
    """`settings`, or safe mode's when `model` is to load in safe mode."""
    return safe_settings(settings) if memory.get(model) is not None else settings


def crash_lines(paths: AppPaths) -> list[str]:
    """The last crash and the models in safe mode, for Copy diagnostics (no chat text)."""
    lines = []
    record = last_crash(paths)
    if record is None:
        lines.append("Last crash: none recorded")
    else:
        settings = ", ".join(f"{k}={v}" for k, v in record.settings.items())
        lines += [
            f"Last crash: {record.started}, {record.signal or 'signal unknown'}, {record.describe()} "
            f"({record.backend}); file {record.model_path} ({record.file_size} bytes)",
            f"Last crash settings: {settings}",
            f"Last crash engine: {record.system_info.strip()}",
        ]
    for entry in safe_mode_memory(paths).entries():
        state = "works" if entry.state == "works" else "on trial"
        lines.append(f"Safe mode ({state} since {entry.since}): {entry.path}")
    return lines
