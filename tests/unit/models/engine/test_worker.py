"""The engine's own thread: requests in order, results through callbacks, cancel, shutdown."""

from __future__ import annotations

import threading
from pathlib import Path

from models.engine import Engine, EngineWorker, GenerationStats, ModelInfo, SamplingParams


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.threads: set[str] = set()
        self.done = threading.Event()

    def __call__(self, kind: str, *, final: bool = False):  # type: ignore[no-untyped-def]
        def record(value: object) -> None:
            self.events.append((kind, value))
            self.threads.add(threading.current_thread().name)
            if final:
                self.done.set()

        return record


def test_load_and_chat_run_on_the_engine_thread(tiny_model: Path) -> None:
    worker = EngineWorker(Engine())
    rec = Recorder()
    worker.load(tiny_model, rec("loaded"), lambda *args: rec("error", final=True)(args))
    worker.chat([{"role": "user", "content": "hi"}], SamplingParams(max_tokens=5),
                rec("text"), rec("done", final=True), rec("error", final=True))
    assert rec.done.wait(30)
    kinds = [kind for kind, _ in rec.events]
    assert kinds[0] == "loaded" and kinds[-1] == "done"
    assert isinstance(rec.events[0][1], ModelInfo)
    stats = rec.events[-1][1]
    assert isinstance(stats, GenerationStats) and stats.generated_tokens == 5
    assert rec.threads == {"hearth-engine"}
    worker.shutdown()


def test_errors_come_back_as_messages_and_the_thread_lives_on(tiny_model: Path, tmp_path: Path) -> None:
    worker = EngineWorker(Engine())
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 3)
    rec = Recorder()
    worker.load(broken, rec("loaded"), lambda message, still_loaded: rec("error")((message, still_loaded)))
    worker.chat([{"role": "user", "content": "hi"}], SamplingParams(), rec("text"), rec("done"), rec("error"))
    worker.load(tiny_model, rec("loaded", final=True), lambda *args: rec("error", final=True)(args))
    assert rec.done.wait(30)
    assert [kind for kind, _ in rec.events] == ["error", "error", "loaded"]
    assert "truncated" in str(rec.events[0][1]) and rec.events[0][1][1] is None  # type: ignore[index]
    assert "No model is loaded" in str(rec.events[1][1])
    worker.shutdown()


def test_cancel_stops_the_running_answer(tiny_model: Path) -> None:
    worker = EngineWorker(Engine())
    rec = Recorder()
    worker.load(tiny_model, rec("loaded"), lambda *args: rec("error")(args))
    first_text = threading.Event()

    def on_text(text: str) -> None:
        first_text.set()

    token = worker.chat([{"role": "user", "content": "hi"}], SamplingParams(temperature=0),
                        on_text, rec("done", final=True), rec("error", final=True))
    assert first_text.wait(30)
    token.cancel()
    assert rec.done.wait(30)
    stats = rec.events[-1][1]
    assert isinstance(stats, GenerationStats) and stats.stop_reason == "cancelled"
    worker.shutdown()


def test_shutdown_unloads_and_ends_the_thread(tiny_model: Path) -> None:
    engine = Engine()
    worker = EngineWorker(engine)
    rec = Recorder()
    worker.load(tiny_model, rec("loaded", final=True), lambda *args: rec("error", final=True)(args))
    assert rec.done.wait(30)
    worker.shutdown()
    assert not worker._thread.is_alive()
    assert engine.model is None
