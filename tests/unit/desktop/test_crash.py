"""The next start after a crash: the crash found with its signal, kept for diagnostics, said plainly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop.crash import collect_crashes, crash_lines, last_crash, notice, safe_mode_memory, settings_for
from desktop.diagnostics import diagnostics
from desktop.logs import fatal_error, log_file
from desktop.paths import AppPaths
from desktop.settings import AppSettings
from models.engine import EngineSettings

# A process that logs native crashes as Hearth does, marks a step, then dies of a real SIGSEGV.
CRASHING = """
import ctypes, sys
from pathlib import Path
from desktop.logs import log_native_crashes
from models.engine import StepMarker
paths = Path(sys.argv[1])
log_native_crashes(paths / "logs")
marker = StepMarker(paths / "engine_steps")
record = marker.record("generate", Path(sys.argv[2]), "tiny-chatml", "CPU (Intel Xeon)",
                       {"context": 2048, "extra_buffers": False, "safe_mode": False}, "CPU : AMX_INT8 = 1 | ")
with marker.step(record):
    ctypes.string_at(0)
"""


def _crash_once(paths: AppPaths, model: Path) -> None:
    result = subprocess.run([sys.executable, "-c", CRASHING, str(paths.data), str(model)], capture_output=True,
                            text=True)
    assert result.returncode == -11, result.stderr


def test_a_crash_is_found_once_with_its_signal_and_kept_for_diagnostics(tiny_model: Path) -> None:
    paths = AppPaths.default().create()
    _crash_once(paths, tiny_model)
    assert "Fatal Python error: Segmentation fault" in log_file(paths.logs).read_text()
    [record] = collect_crashes(paths)
    assert record.signal == "Segmentation fault" and record.step == "generate"
    assert notice(record) == "Hearth stopped unexpectedly while answering with tiny-chatml on CPU."
    assert collect_crashes(paths) == []  # reported once
    assert last_crash(paths) == record
    text = diagnostics(paths, AppSettings(), None)
    assert "Last crash:" in text and "Segmentation fault" in text and "while answering with tiny-chatml" in text
    assert "Last crash engine: CPU : AMX_INT8 = 1 |" in text and "extra_buffers=False" in text


def test_the_signal_belongs_to_the_process_that_crashed(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "hearth.log").write_text(
        "x INFO MainThread desktop.logs: Hearth process 11 started; the stack of a fatal error follows here if it "
        "crashes\nFatal Python error: Aborted\n"
        "x INFO MainThread desktop.logs: Hearth process 12 started; the stack of a fatal error follows here if it "
        "crashes\n")
    assert fatal_error(logs, 11) == "Aborted"
    assert fatal_error(logs, 12) is None and fatal_error(logs, 13) is None


def test_models_that_crashed_load_with_safe_settings(tiny_model: Path) -> None:
    paths = AppPaths.default().create()
    memory = safe_mode_memory(paths)
    normal = EngineSettings(max_context=8192)
    assert settings_for(tiny_model, normal, memory) == normal
    memory.choose(tiny_model, "while loading tiny-chatml on CPU")
    safe = settings_for(tiny_model, normal, memory)
    assert safe.safe_mode and safe.max_context == 2048 and safe.extra_buffers is False
    assert any(line.startswith("Safe mode (on trial since") for line in crash_lines(paths))
    assert "Last crash: none recorded" in crash_lines(paths)
