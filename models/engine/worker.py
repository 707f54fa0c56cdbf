"""The engine's own thread. Every llama.cpp call in the app happens on it.

Requests are queued and run in order; results come back through callbacks, called on the
worker thread with plain immutable values. The window's bridge (desktop/ui) turns those
callbacks into queued Qt signals; nothing here knows about Qt.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from models.cancel import CancelToken
from models.engine import crash_guard
from models.engine.engine import Engine
from models.engine.lora import AdapterChoice
from models.engine.template_check import PromptInspection, TemplateReport, check_loaded, inspect_prompt
from models.engine.values import EngineSettings, GenerationStats, ModelInfo
from models.errors import HearthModelError
from models.families import Message, SamplingParams

log = logging.getLogger(__name__)

T = TypeVar("T")
ErrorCallback = Callable[[str], None]
_STOP = object()


class EngineWorker:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._jobs: queue.Queue[object] = queue.Queue()
        self._current: CancelToken | None = None
        self._thread = threading.Thread(target=self._run, name="hearth-engine", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                break
            assert callable(job)
            job()
        self._engine.unload()

    def _submit(self, work: Callable[[Engine], T], on_done: Callable[[T], None], on_error: ErrorCallback) -> None:
        def job() -> None:
            try:
                result = work(self._engine)
            except HearthModelError as exc:
                on_error(str(exc))
            except Exception as exc:  # the thread must survive whatever a model does
                log.exception("Engine job failed")
                on_error(f"Something went wrong in the engine: {exc}")
            else:
                on_done(result)

        self._jobs.put(job)

    def load(
        self,
        path: str | Path,
        on_done: Callable[[ModelInfo], None],
        on_error: Callable[[str, ModelInfo | None], None],
        template: str | None = None,
        settings: EngineSettings | None = None,
    ) -> None:
        """Load a model (with the known-good `template` instead of its own, and new engine
        `settings`, if given). A failure also says which model, if any, is still loaded: a file
        that fails the header check leaves the previous model in place; a failed llama.cpp load
        does not."""
        self._submit(
            lambda engine: engine.load(path, template, settings),
            on_done,
            lambda message: on_error(message, self._engine.model),
        )

    def set_template(self, name: str | None, on_done: Callable[[ModelInfo], None], on_error: ErrorCallback) -> None:
        """Render the loaded model with the known-good template `name`, or its own again (None)."""
        self._submit(lambda engine: engine.set_template(name), on_done, on_error)

    def check_template(self, on_done: Callable[[TemplateReport], None], on_error: ErrorCallback) -> None:
        """The template doctor's findings for the loaded model."""
        self._submit(check_loaded, on_done, on_error)

    def inspect_prompt(
        self,
        messages: Sequence[Message],
        on_done: Callable[[PromptInspection], None],
        on_error: ErrorCallback,
        thinking: bool | None = None,
    ) -> None:
        """The exact prompt `chat` would feed the model, cut into text and special tokens."""
        messages = [dict(m) for m in messages]
        self._submit(lambda engine: inspect_prompt(engine, messages, thinking), on_done, on_error)

    def chat(
        self,
        messages: Sequence[Message],
        params: SamplingParams,
        on_text: Callable[[str], None],
        on_done: Callable[[GenerationStats], None],
        on_error: ErrorCallback,
        thinking: bool | None = None,
        adapters: Sequence[AdapterChoice] = (),
    ) -> CancelToken:
        """Queue an answer; the returned token cancels it, queued or running. `thinking` switches
        reasoning on or off where the template supports it (Qwen 3); None keeps its default.
        `adapters`: LoRA adapters to answer with (switching them keeps the model loaded)."""
        token = CancelToken()
        messages = [dict(m) for m in messages]  # a snapshot: the caller may keep editing its list

        def work(engine: Engine) -> GenerationStats:
            self._current = token
            try:
                with crash_guard.generating(engine, on_text) as streamed:
                    return engine.chat(messages, params, streamed, token, thinking, tuple(adapters))
            finally:
                self._current = None

        self._submit(work, on_done, on_error)
        return token

    def complete(
        self,
        text: str,
        params: SamplingParams,
        on_text: Callable[[str], None],
        on_done: Callable[[GenerationStats], None],
        on_error: ErrorCallback,
    ) -> CancelToken:
        """Queue a plain continuation of `text` (no chat template); the token cancels it."""
        token = CancelToken()

        def work(engine: Engine) -> GenerationStats:
            self._current = token
            try:
                return engine.complete(text, params, on_text, token)
            finally:
                self._current = None

        self._submit(work, on_done, on_error)
        return token

    @property
    def model(self) -> ModelInfo | None:
        """The model loaded as of the last finished job (None while one loads): readable from
        any thread, for callers that share the worker (the local server beside the window)."""
        return self._engine.model

    @property
    def generating(self) -> bool:
        """Whether an answer is being generated now (read from any thread: background work, such as
        indexing documents, leaves the cores to it meanwhile)."""
        return self._current is not None

    def cancel(self) -> None:
        """Stop the answer being generated now, if any."""
        if self._current is not None:
            self._current.cancel()

    def shutdown(self, timeout: float = 10.0) -> None:
        self.cancel()
        self._jobs.put(_STOP)
        self._thread.join(timeout)
