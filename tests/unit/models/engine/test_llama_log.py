"""llama.cpp's log hook is one for the whole process; models load on several threads at once."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from models.engine import Engine, llama_log


def log_line(text: str) -> None:
    """What llama.cpp does: call the installed callback, on the calling thread."""
    llama_log._on_log(3, f"{text}\n".encode(), None)


def test_each_thread_captures_its_own_lines() -> None:
    # A starts capturing, then B starts, logs and finishes, then A logs and finishes: the order
    # in which a waiting load and a running one open and close their captures.
    a_open, b_done = threading.Event(), threading.Event()
    captured: dict[str, list[tuple[int, str]]] = {}
    errors: list[BaseException] = []

    def a() -> None:
        try:
            with llama_log.capture() as lines:
                a_open.set()
                b_done.wait(10)
                log_line("a: loading")
            captured["a"] = lines
        except BaseException as exc:  # the test reads it on the main thread
            errors.append(exc)

    def b() -> None:
        try:
            a_open.wait(10)
            with llama_log.capture() as lines:
                log_line("b: loading")
            captured["b"] = lines
        except BaseException as exc:
            errors.append(exc)
        finally:
            b_done.set()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert captured == {"a": [(logging.WARNING, "a: loading")], "b": [(logging.WARNING, "b: loading")]}
    assert llama_log._captures == {}


def test_a_line_split_across_calls_stays_whole_per_thread() -> None:
    with llama_log.capture() as lines:
        llama_log._on_log(4, b"error loading model: ", None)
        other = threading.Thread(target=log_line, args=("another thread's line",))
        other.start()
        other.join(10)
        llama_log._on_log(5, b"bad magic\n", None)
    assert lines == [(logging.ERROR, "error loading model: bad magic")]


def test_two_threads_load_models_at_once(tiny_model: Path) -> None:
    rounds = 4
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    loaded: list[str] = []

    def load_repeatedly() -> None:
        engine = Engine()
        try:
            for _ in range(rounds):
                barrier.wait(30)
                loaded.append(engine.load(tiny_model).name)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            engine.unload()

    threads = [threading.Thread(target=load_repeatedly) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert len(loaded) == 2 * rounds
    assert llama_log._captures == {} and llama_log._partial == {}
