"""Crash markers around loads and answers, what a dead process leaves behind, and safe mode's memory."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from models.engine import (
    Engine,
    EngineSettings,
    EngineWorker,
    SafeModeMemory,
    SamplingParams,
    StepMarker,
    StepRecord,
    crash_guard,
    generating,
    leftover_steps,
    safe_settings,
)


def _record(marker: StepMarker, model: Path, **changes: object) -> StepRecord:
    record = marker.record("generate", model, model.stem, "CPU (test)", {"context": 512}, "CPU : AVX2 = 1 | ")
    return replace(record, **changes)  # type: ignore[arg-type]


def _dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(finished.stdout)


def test_the_marker_names_the_step_while_it_runs_and_goes_when_it_ends(tmp_path: Path, tiny_model: Path) -> None:
    marker = StepMarker(tmp_path / "steps")
    with marker.step(_record(marker, tiny_model)):
        saved = json.loads(marker.path.read_text())
        assert saved["step"] == "generate" and saved["model_path"] == str(tiny_model) and saved["pid"] == os.getpid()
        assert stat.S_IMODE(marker.path.stat().st_mode) == 0o600
        assert leftover_steps(marker.folder) == []  # this process is alive: not a crash
    assert not marker.path.exists()
    with pytest.raises(ValueError), marker.step(_record(marker, tiny_model)):
        raise ValueError("a Python error is not a crash")
    assert not marker.path.exists()


def test_a_marker_left_by_a_dead_process_is_a_crash_reported_once(tmp_path: Path, tiny_model: Path) -> None:
    marker = StepMarker(tmp_path)
    dead = _record(marker, tiny_model, pid=_dead_pid(), started="2026-01-01T00:00:00+00:00")
    (tmp_path / f"step-{dead.pid}.json").write_text(json.dumps(dead.__dict__))
    (tmp_path / "step-1.json").write_text("{not json")
    assert leftover_steps(tmp_path) == [dead]
    assert leftover_steps(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_a_reused_pid_is_not_the_process_that_wrote_the_marker(tmp_path: Path, tiny_model: Path) -> None:
    marker = StepMarker(tmp_path)
    other = _record(marker, tiny_model, pid=os.getppid(), process_started=1.0)  # alive, but started at another time
    (tmp_path / f"step-{other.pid}.json").write_text(json.dumps(other.__dict__))
    assert [r.pid for r in leftover_steps(tmp_path)] == [other.pid]


def test_safe_settings_are_cpu_only_plain_kernels_and_a_small_context() -> None:
    safe = safe_settings(EngineSettings(max_context=8192, gpu_layers=-1, flash_attention=True, extra_buffers=True))
    assert (safe.gpu_layers, safe.flash_attention, safe.extra_buffers, safe.max_context, safe.safe_mode) == (
        0, False, False, 2048, True)
    assert safe_settings(EngineSettings(max_context=1024)).max_context == 1024


def test_safe_mode_memory_is_per_file_path_and_size(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"x" * 10)
    memory = SafeModeMemory(tmp_path / "data" / "safe_mode.json")
    assert memory.get(model) is None and not memory.confirm(model)
    memory.choose(model, "while answering with model on CPU")
    entry = memory.get(model)
    assert entry is not None and entry.state == "trial" and entry.reason == "while answering with model on CPU"
    assert memory.confirm(model) and not memory.confirm(model)
    assert SafeModeMemory(memory.path).get(model).state == "works"  # type: ignore[union-attr]
    assert stat.S_IMODE(memory.path.stat().st_mode) == 0o600
    model.write_bytes(b"x" * 11)  # another file at the same path
    assert memory.get(model) is None
    model.write_bytes(b"x" * 10)
    assert memory.forget(model) and memory.get(model) is None and not memory.forget(model)
    memory.path.write_text("[broken")
    assert memory.entries() == []


def test_the_engine_marks_its_load_and_each_answer_without_chat_text(tmp_path: Path, tiny_model: Path) -> None:
    marker = StepMarker(tmp_path / "steps")
    engine = Engine(guard=marker)
    seen: list[dict[str, object]] = []

    def look(_text: str) -> None:
        if not seen:
            seen.append(json.loads(marker.path.read_text()))

    engine.load(tiny_model)
    assert not marker.path.exists()
    with generating(engine, look) as streamed:
        engine.chat([{"role": "user", "content": "a secret question"}], SamplingParams(max_tokens=3), streamed)
    assert not marker.path.exists()
    assert seen[0]["step"] == "generate" and seen[0]["model_name"] == "tiny-chatml"
    assert seen[0]["settings"] == {"context": engine.model.context_length, "threads": engine.model.threads,  # type: ignore[union-attr]
                                   "gpu_layers": 0, "flash_attention": False,
                                   "extra_buffers": engine.model.extra_buffers, "batch_size": 512,  # type: ignore[union-attr]
                                   "safe_mode": False}
    assert "secret" not in json.dumps(seen[0])
    engine.unload()


def test_the_worker_marks_answers_too(tmp_path: Path, tiny_model: Path) -> None:
    marker = StepMarker(tmp_path)
    worker = EngineWorker(Engine(guard=marker))
    during: list[bool] = []
    done: list[object] = []
    worker.load(tiny_model, lambda _info: None, lambda *_args: None)
    worker.chat([{"role": "user", "content": "hi"}], SamplingParams(max_tokens=2),
                lambda _text: during.append(marker.path.exists()), done.append, done.append)
    worker.shutdown(30)
    assert during and all(during) and done and not marker.path.exists()


def test_the_test_switch_is_off_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    def callback(_text: str) -> None:
        return None

    monkeypatch.delenv(crash_guard.TEST_CRASH, raising=False)
    assert crash_guard.crashing_when_asked(callback) is callback
    crash_guard.crash_if_asked("load")  # still alive
    monkeypatch.setenv(crash_guard.TEST_CRASH, "load")
    assert crash_guard.crashing_when_asked(callback) is callback


def test_a_process_that_exits_in_order_mid_step_leaves_no_marker(tmp_path: Path) -> None:
    """The window closed during a long load is not a crash; a fatal signal in the same place is."""
    script = """
import ctypes, sys, threading, time
from pathlib import Path
from models.engine import StepMarker
marker = StepMarker(Path(sys.argv[1]))
record = marker.record("load", Path(sys.argv[1]), "model", "CPU", {}, "")

def load() -> None:  # the engine thread, still loading when the app quits
    with marker.step(record):
        time.sleep(60)

threading.Thread(target=load, daemon=True).start()
while not marker.path.exists():
    time.sleep(0.01)
if sys.argv[2] == "crash":
    ctypes.string_at(0)
sys.exit(0)
"""
    for how, folder in (("exit", tmp_path / "exited"), ("crash", tmp_path / "crashed")):
        subprocess.run([sys.executable, "-c", script, str(folder), how], capture_output=True)
    assert leftover_steps(tmp_path / "exited") == []
    assert [r.step for r in leftover_steps(tmp_path / "crashed")] == ["load"]
