"""Qt signals in front of the engine worker thread.

The worker calls back on its own thread; its callbacks go through a `GuiRelay`, so the signals
are emitted on the GUI thread. Streamed text is coalesced on the worker side and flushed at
most every ~30 ms, so a fast model cannot flood the event loop with one event per token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.ui.tasks import GuiRelay
from models.cancel import CancelToken
from models.engine import (
    AdapterChoice,
    EngineSettings,
    EngineWorker,
    GenerationStats,
    ModelInfo,
    SamplingParams,
    adapter_choices,
)
from models.families import Message, sampling_for, thinking_choice

FLUSH_INTERVAL_S = 0.03


class _Coalescer:
    """Collects streamed text on the worker thread; hands it on in batches."""

    def __init__(self, emit: Callable[[str], None]) -> None:
        self._emit = emit
        self._parts: list[str] = []
        self._last = 0.0
        self._lock = threading.Lock()

    def add(self, text: str) -> None:
        with self._lock:
            self._parts.append(text)
            now = time.perf_counter()
            if now - self._last < FLUSH_INTERVAL_S:
                return
            self._last = now
            chunk, self._parts = "".join(self._parts), []
        self._emit(chunk)

    def flush(self) -> None:
        with self._lock:
            chunk, self._parts = "".join(self._parts), []
        if chunk:
            self._emit(chunk)


class EngineBridge(QObject):
    model_loading = Signal(str)  # file name
    model_loaded = Signal(object)  # ModelInfo
    model_failed = Signal(str, object)  # message, the ModelInfo still loaded or None
    text_streamed = Signal(str)
    answer_finished = Signal(object)  # GenerationStats
    answer_failed = Signal(str)
    prompt_inspected = Signal(object)  # PromptInspection
    template_checked = Signal(object)  # TemplateReport
    request_failed = Signal(str)  # an inspection or template change that failed

    def __init__(self, worker: EngineWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._relay = GuiRelay(self)
        self._answer: CancelToken | None = None
        self.model: ModelInfo | None = None
        # Connected first, so these run before any other slot sees the signal.
        self.model_loaded.connect(self._on_model_loaded)
        self.model_failed.connect(lambda _message, still_loaded: self._on_model_loaded(still_loaded))
        self.answer_finished.connect(self._on_answer_ended)
        self.answer_failed.connect(self._on_answer_ended)

    def _on_model_loaded(self, info: ModelInfo | None) -> None:
        self.model = info

    def _on_answer_ended(self, *_args: object) -> None:
        self._answer = None

    @property
    def busy(self) -> bool:
        return self._answer is not None

    def load(self, path: Path, settings: EngineSettings | None = None) -> None:
        """Load `path`; new engine `settings` (context, threads, offload) apply from this load on."""
        self.model_loading.emit(path.name)
        relay = self._relay
        self._worker.load(path, relay.to_gui(self.model_loaded.emit), relay.to_gui(self.model_failed.emit),
                          settings=settings)

    def set_template(self, name: str | None) -> None:
        """Render with the known-good template `name` from now on (None: the model's own)."""
        self._worker.set_template(name, self._relay.to_gui(self.model_loaded.emit),
                                  self._relay.to_gui(self.request_failed.emit))

    def inspect(self, messages: Sequence[Message], thinking: bool | None = None) -> None:
        self._worker.inspect_prompt(messages, self._relay.to_gui(self.prompt_inspected.emit),
                                    self._relay.to_gui(self.request_failed.emit), thinking)

    def check_template(self) -> None:
        self._worker.check_template(self._relay.to_gui(self.template_checked.emit),
                                    self._relay.to_gui(self.request_failed.emit))

    @property
    def model_name(self) -> str | None:
        return self.model.name if self.model is not None else None

    def answer(
        self,
        messages: Sequence[Message],
        settings: Mapping[str, Any],
        on_text: Callable[[str], None],
        on_done: Callable[[GenerationStats], None],
        on_error: Callable[[str], None],
    ) -> CancelToken:
        """An answer sampled as the conversation's `settings` say, on top of the loaded model's
        family defaults (the conversation flow's `AnswerEngine`). Callbacks run on the GUI thread."""
        family = self.model.facts.family_key if self.model is not None and self.model.facts else None
        params = sampling_for(family, settings)
        return self.send(messages, params, thinking_choice(settings), on_text, on_done, on_error,
                         adapter_choices(settings))

    def send(
        self,
        messages: Sequence[Message],
        params: SamplingParams | None = None,
        thinking: bool | None = None,
        on_text: Callable[[str], None] | None = None,
        on_done: Callable[[GenerationStats], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        adapters: Sequence[AdapterChoice] = (),
    ) -> CancelToken:
        """Queue an answer (with these LoRA `adapters` on the model); its text, then its end,
        arrive on the GUI thread: through the given callbacks and the bridge's signals (the
        callbacks first)."""

        def streamed(text: str) -> None:
            if on_text is not None:
                on_text(text)
            self.text_streamed.emit(text)

        def finished(stats: GenerationStats) -> None:
            if on_done is not None:
                on_done(stats)
            self.answer_finished.emit(stats)

        def failed(message: str) -> None:
            if on_error is not None:
                on_error(message)
            self.answer_failed.emit(message)

        relay = self._relay
        coalescer = _Coalescer(relay.to_gui(streamed))

        def worker_finished(stats: GenerationStats) -> None:
            coalescer.flush()
            relay.call(finished, stats)

        def worker_failed(message: str) -> None:
            coalescer.flush()
            relay.call(failed, message)

        self._answer = self._worker.chat(
            messages, params or SamplingParams(), coalescer.add, worker_finished, worker_failed, thinking=thinking,
            adapters=adapters,
        )
        return self._answer

    def stop(self) -> None:
        if self._answer is not None:
            self._answer.cancel()

    def shutdown(self) -> None:
        self.stop()
        self._worker.shutdown()
