"""How many threads embed: chosen by measuring, not assumed.

On an idle machine, one llama.cpp thread per physical core embeds fastest. On a machine that is
busy with other programs, fewer threads can be several times faster: ggml's threads wait for
each other at every layer, spinning, and one thread that the system does not schedule stalls
the rest (measured on a 2-core machine under load: 2.5 passages/s on one thread, 0.5 on two).
So the documents worker measures: each count in THREAD_CHOICES is tried on a batch, the fastest
by characters embedded per second is used, and the others are tried again now and then, since a
machine's load changes. While a chat answers, indexing waits (Embedder) and a question is
embedded on one thread (CHAT_BUSY_THREADS), leaving the cores to the answer; such batches are
not measured (the chat's load is not the machine's).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

CHAT_BUSY_THREADS = 1
# A choice not in use is measured again after this many characters are embedded (about 125
# passages): counted in text, not batches, since a folder of small files makes many short ones.
RETRY_EVERY_CHARACTERS = 100_000
_SMOOTHING = 0.5  # weight of the newest measurement in a choice's rate
# Fewer threads than all cores must be clearly faster to be chosen: a document of one or two
# passages is a short, noisy measurement (and a batch on several cores also starts a thread), and
# settling on one thread by mistake halves an idle machine's indexing. A busy machine's
# difference is several times, not 1.3.
_FEWER_THREADS_MARGIN = 1.3


def thread_choices(physical_cores: int) -> tuple[int, ...]:
    """All physical cores, half of them and one: the counts worth measuring."""
    return tuple(sorted({physical_cores, max(1, physical_cores // 2), 1}, reverse=True))


class ThreadChooser:
    """The thread count for the next batch, from the rates measured so far. Not thread-safe: it
    belongs to the one thread that embeds."""

    def __init__(self, choices: Sequence[int], chat_busy: Callable[[], bool] | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.choices = tuple(choices)
        self._chat_busy = chat_busy
        self._clock = clock
        self.rates: dict[int, float] = {}  # characters per second, smoothed
        self._last_tried: dict[int, int] = {}  # characters embedded when each count was last measured
        self._characters = 0
        self._current: tuple[int, float, bool] | None = None  # threads, started, measured
        # Whether the count for the batch about to run is being tried rather than the fastest known:
        # such a batch is kept short, since the count being tried is likely the slower one.
        self.exploring = False

    def start(self, measured: bool = True) -> int:
        """Threads for the batch about to run. One that is not `measured` (a question, a few words)
        gets the fastest count measured so far, else the fewest: it is over in milliseconds
        either way, and spinning threads on a busy machine would make it seconds."""
        busy = self._chat_busy is not None and self._chat_busy()
        self.exploring = False
        if not measured:
            self._current = None
            return CHAT_BUSY_THREADS if busy else self._fastest(default=min(self.choices))
        threads = CHAT_BUSY_THREADS if busy else self._pick()
        self.exploring = not busy and threads != self._fastest(default=self.choices[0])
        self._current = (threads, self._clock(), not busy)
        return threads

    def _fastest(self, default: int) -> int:
        if not self.rates:
            return default
        fastest = max(self.rates, key=lambda t: self.rates[t])
        most = max(self.rates)
        return most if self.rates[fastest] < _FEWER_THREADS_MARGIN * self.rates[most] else fastest

    def finish(self, characters: int) -> None:
        """The batch started last is done; `characters` of text were embedded."""
        if self._current is None:
            return
        threads, started, measured = self._current
        self._current = None
        seconds = self._clock() - started
        if not measured or seconds <= 0 or characters <= 0:
            return
        rate = characters / seconds
        previous = self.rates.get(threads)
        self.rates[threads] = rate if previous is None else _SMOOTHING * rate + (1 - _SMOOTHING) * previous
        self._characters += characters
        self._last_tried[threads] = self._characters

    def _pick(self) -> int:
        for threads in self.choices:  # every choice measured once, most threads first
            if threads not in self.rates:
                return threads
        stale = [t for t in self.choices if self._characters - self._last_tried.get(t, 0) > RETRY_EVERY_CHARACTERS]
        if stale:
            return stale[0]
        return self._fastest(default=self.choices[0])
