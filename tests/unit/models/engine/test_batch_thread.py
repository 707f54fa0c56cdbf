"""The thread that runs embedding batches on several cores: kept while batches keep coming,
gone when idle or released (OpenMP's team of threads goes with it)."""

from __future__ import annotations

import threading
import time

import pytest

from models.engine.embedding import BatchThread


def _alive(name: str = "hearth-embedding-batches") -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == name)


def _which() -> threading.Thread:
    return threading.current_thread()


def test_batches_in_a_row_share_one_thread_which_ends_when_idle() -> None:
    batches = BatchThread(idle_s=0.2)
    first, second = batches.run(_which), batches.run(_which)
    assert first is second is not threading.current_thread()
    deadline = time.monotonic() + 5
    while _alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _alive() == 0
    assert batches.run(_which) is not first  # the next batch starts another
    batches.release()


def test_release_ends_the_thread_at_once() -> None:
    batches = BatchThread(idle_s=60)
    used = batches.run(_which)
    batches.release()
    assert not used.is_alive()
    assert batches.run(_which) is not used
    batches.release()
    batches.release()  # nothing running: nothing to do


def test_a_failing_batch_raises_on_the_waiting_thread_and_the_thread_serves_on() -> None:
    batches = BatchThread(idle_s=60)

    def fail() -> None:
        raise ValueError("bad batch")

    with pytest.raises(ValueError, match="bad batch"):
        batches.run(fail)
    assert batches.run(lambda: 42) == 42
    batches.release()
