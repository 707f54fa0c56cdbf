"""The server's way to the one engine: the window's engine worker, in arrival order, with a bound.

Requests are handed to `models.engine.EngineWorker` as they arrive, so they run first come,
first served, interleaved fairly with the window's own answers on the same thread. At most
`max_waiting` server requests wait behind the running one; the next is told to retry (503).

Results cross from the engine thread to the server's event loop with `call_soon_threadsafe`, one
call per streamed piece. A request whose client went away cancels its job: the engine notices
before its next token, and during a prompt through llama.cpp's abort callback.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from models.cancel import CancelToken
from models.engine import EngineWorker, GenerationStats, ModelInfo, SamplingParams
from models.families import Message
from models.wire import WireError

log = logging.getLogger(__name__)

# The worker reports unexpected failures with this opening (models.engine.worker); they are the
# server's fault (500), while the model layer's own sentences are about the request (400).
_UNEXPECTED = "Something went wrong"


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Finished:
    stats: GenerationStats


@dataclass(frozen=True)
class Failed:
    message: str

    def error(self) -> WireError:
        if self.message.startswith(_UNEXPECTED):
            return WireError(self.message, 500, kind="server_error")
        return WireError(self.message, 400, code="engine_refused")


Event = Text | Finished | Failed


@dataclass(frozen=True)
class ServerStatus:
    requests: int  # admitted and not finished: running or waiting
    tokens_per_s: float

    def text(self) -> str:
        if not self.requests:
            return "idle"
        plural = "" if self.requests == 1 else "s"
        return f"serving {self.requests} request{plural} · {self.tokens_per_s:.0f} tok/s"


class RateMeter:
    """Streamed pieces per second over the last few seconds (about one piece per token)."""

    def __init__(self, window_s: float = 2.0) -> None:
        self._window = window_s
        self._times: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self._times.append(time.monotonic())

    def rate(self) -> float:
        now = time.monotonic()
        with self._lock:
            while self._times and self._times[0] < now - self._window:
                self._times.popleft()
            if len(self._times) < 2:
                return 0.0
            return (len(self._times) - 1) / max(now - self._times[0], 1e-3)


class Job:
    """One request's generation: the engine thread feeds it, the request's handler reads it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, meter: RateMeter, ended: Callable[[], None]) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._meter = meter
        self._ended = ended
        self.engine_token: CancelToken | None = None  # set once the worker has the job
        self._load_failed = False
        self.pieces = 0  # streamed pieces so far (about one per token)
        self.pieces_at_cancel: int | None = None
        self.admitted_at = time.perf_counter()
        self.finished = False

    # -- the engine thread ---------------------------------------------------------------

    def _put(self, event: Event) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, event)
        except RuntimeError:  # the server stopped: nobody reads this job any more
            self.cancel()

    def on_text(self, text: str) -> None:
        self.pieces += 1
        self._meter.add()
        self._put(Text(text))

    def on_done(self, stats: GenerationStats) -> None:
        self._ended()
        if self.pieces_at_cancel is not None:
            log.info("A cancelled request stopped %d tokens after its cancel (%d generated)",
                     stats.generated_tokens - self.pieces_at_cancel, stats.generated_tokens)
        self._put(Finished(stats))

    def on_error(self, message: str) -> None:
        self._ended()
        self._put(Failed(message))

    def on_load_failed(self, message: str, _still_loaded: ModelInfo | None) -> None:
        # The answer queued behind the load must not run on whatever model is left.
        self._load_failed = True
        self.cancel()
        self._put(Failed(message))

    # -- the event loop ------------------------------------------------------------------

    async def events(self) -> AsyncIterator[Event]:
        """Pieces of text, then one Finished or Failed."""
        while not self.finished:
            event = await self._queue.get()
            self.finished = not isinstance(event, Text)
            yield event

    def ready(self) -> list[Event]:
        """Events already waiting, without waiting (to write several pieces in one go)."""
        events = []
        while not self.finished and not self._queue.empty():
            event = self._queue.get_nowait()
            self.finished = not isinstance(event, Text)
            events.append(event)
        return events

    def attach(self, engine_token: CancelToken) -> None:
        self.engine_token = engine_token
        if self._load_failed:  # the load failed before the answer was even queued
            engine_token.cancel()

    def cancel(self) -> None:
        if self.pieces_at_cancel is None:
            self.pieces_at_cancel = self.pieces
        if self.engine_token is not None:
            self.engine_token.cancel()


class EngineGate:
    def __init__(
        self,
        worker: EngineWorker,
        max_waiting: int,
        on_model_loaded: Callable[[ModelInfo], None] | None = None,
    ) -> None:
        self._worker = worker
        self._max_waiting = max_waiting
        self._on_model_loaded = on_model_loaded
        self._lock = threading.Lock()
        self._outstanding = 0
        self._jobs: set[Job] = set()
        self._pending_load: Path | None = None  # a model this server asked the engine to load
        self.meter = RateMeter()

    def status(self) -> ServerStatus:
        with self._lock:
            requests = self._outstanding
        return ServerStatus(requests, self.meter.rate() if requests else 0.0)

    def current_model(self) -> tuple[Path | None, ModelInfo | None]:
        """The model requests admitted now will meet: one this server is loading, or the loaded one."""
        with self._lock:
            pending = self._pending_load
        info = self._worker.model
        return (pending or (info.path if info else None)), info

    def _admit(self, loop: asyncio.AbstractEventLoop, retry_after_s: int) -> Job:
        with self._lock:
            if self._outstanding > self._max_waiting:
                raise WireError(
                    f"The engine is busy: {self._outstanding} requests are ahead. Try again shortly.",
                    503, kind="server_error", code="engine_busy", headers={"Retry-After": str(retry_after_s)},
                )
            self._outstanding += 1
        job: Job

        def ended() -> None:
            with self._lock:
                self._outstanding -= 1
                self._jobs.discard(job)

        job = Job(loop, self.meter, ended)
        with self._lock:
            self._jobs.add(job)
        return job

    def _load_first(self, job: Job, path: Path | None) -> None:
        if path is None:
            return
        with self._lock:
            self._pending_load = path

        def loaded(info: ModelInfo) -> None:
            self._load_ended(path)
            if self._on_model_loaded is not None:
                self._on_model_loaded(info)

        def failed(message: str, still_loaded: ModelInfo | None) -> None:
            self._load_ended(path)
            job.on_load_failed(message, still_loaded)

        self._worker.load(path, loaded, failed)

    def _load_ended(self, path: Path) -> None:
        with self._lock:
            if self._pending_load == path:
                self._pending_load = None

    def chat(
        self,
        messages: Sequence[Message],
        params: SamplingParams,
        thinking: bool | None,
        load: Path | None = None,
        retry_after_s: int = 5,
    ) -> Job:
        """Queue an answer (after loading `load`, when given); raises WireError 503 when full."""
        job = self._admit(asyncio.get_running_loop(), retry_after_s)
        self._load_first(job, load)
        job.attach(self._worker.chat(messages, params, job.on_text, job.on_done, job.on_error, thinking=thinking))
        return job

    def complete(self, text: str, params: SamplingParams, load: Path | None = None, retry_after_s: int = 5) -> Job:
        job = self._admit(asyncio.get_running_loop(), retry_after_s)
        self._load_first(job, load)
        job.attach(self._worker.complete(text, params, job.on_text, job.on_done, job.on_error))
        return job

    def cancel_all(self) -> None:
        """Stop every job of this server (it is shutting down); the window's answers go on."""
        with self._lock:
            jobs = list(self._jobs)
        for job in jobs:
            job.cancel()

