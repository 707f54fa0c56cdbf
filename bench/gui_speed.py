"""The chat window's speed goals, measured in one run; prints JSON.

    python -m bench.gui_speed [--tokens 2000] [--replay-only]

- streaming: the real window streams a Markdown answer with code blocks while a 5 ms timer on
  the GUI thread records the longest stall (goal: under 50 ms), and the time from the last
  token to the finished message on screen (goal: no backlog). Two runs: the starter model
  generating for real (its tok/s in the window is compared with the engine alone on the same
  prompt, so GIL contention from rendering would show), and a canned 2,000-token answer
  replayed at 10x that speed through the same bridge. `--replay-only` skips the real model
  (and its engine-alone run) and replays at 10x the README's 86 tok/s: the rendering's figures
  in a minute, where the machine is too busy to generate 2,000 tokens twice.
- open: a conversation with 10,000 messages opens and paints its newest messages (goal: under
  300 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from models.cancel import CancelToken
from models.engine import GenerationStats, SamplingParams

PROMPT = ("Write a long tutorial in Markdown about Python lists: use headings, bullet lists, a table and "
          "several Python code blocks with explanations between them.")
SECTION = """## Step {i}: working with lists

Lists hold **ordered** items. Here is how to *append*, `extend` and slice them:

```python
items = [1, 2, 3]
items.append({i})
items.extend(range({i}))
print(items[::-1])
```

- `append` adds one item
- `extend` adds many
- slicing returns a copy

| method | cost |
|--------|------|
| append | O(1) |
| insert | O(n) |

"""


class StallProbe:
    """A 5 ms timer on the GUI thread; a late tick means the thread was busy for that long."""

    def __init__(self) -> None:
        self.longest_ms = 0.0
        self._clock = QElapsedTimer()
        self._timer = QTimer(interval=5)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.longest_ms = 0.0
        self._clock.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        elapsed = self._clock.restart()
        self.longest_ms = max(self.longest_ms, elapsed - 5)


class ReplayWorker:
    """Stands in for the engine thread: streams a fixed answer at a fixed token rate."""

    def __init__(self, pieces: list[str], tokens_per_s: float) -> None:
        self.pieces, self.rate = pieces, tokens_per_s
        self.last_emit = 0.0

    def chat(self, _messages: Any, _params: Any, on_text: Any, on_done: Any, _on_error: Any,
             thinking: bool | None = None) -> CancelToken:
        token = CancelToken()

        def run() -> None:
            start = time.perf_counter()
            for n, piece in enumerate(self.pieces, 1):
                on_text(piece)
                delay = start + n / self.rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            self.last_emit = time.perf_counter()
            on_done(GenerationStats(10, 10, len(self.pieces), 0.01, 1000.0, self.rate,
                                    self.last_emit - start, "stop", 0))

        threading.Thread(target=run, daemon=True).start()
        return token

    def cancel(self) -> None: ...

    def shutdown(self, timeout: float = 0) -> None: ...


def stream_once(window: Any, app: QApplication) -> dict[str, Any]:
    """Send PROMPT; probe the GUI thread from the first streamed text to just after the end."""
    probe = StallProbe()
    done: dict[str, Any] = {}
    window.bridge.answer_finished.connect(lambda stats: done.setdefault("stats", stats))
    window.bridge.answer_finished.connect(lambda _s: done.setdefault("at", time.perf_counter()))

    def first_text(_text: str) -> None:
        if "first" not in done:
            done["first"] = time.perf_counter()
            probe.start()

    window.bridge.text_streamed.connect(first_text)
    window.settings_panel.fields["temperature"].setValue(0.0)
    window.composer.input.setPlainText(PROMPT)
    sent = time.perf_counter()
    window.composer.submit()
    done["send_ms"] = (time.perf_counter() - sent) * 1000
    while "at" not in done:
        app.processEvents()
        time.sleep(0.001)
    # The finished answer's last render delays the probe's next tick: let that tick come.
    settle = time.perf_counter() + 0.3
    while time.perf_counter() < settle:
        app.processEvents()
        time.sleep(0.001)
    probe.stop()
    window.bridge.answer_finished.disconnect()
    window.bridge.text_streamed.disconnect(first_text)
    return {"stats": done["stats"], "finished_at": done["at"], "longest_stall_ms": round(probe.longest_ms, 1),
            "send_ms": round(done["send_ms"], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--replay-only", action="store_true", help="skip the real model; replay at 860 tok/s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["HEARTH_HOME"] = home
        print(json.dumps(run(args.tokens, args.replay_only), indent=2))


REPLAY_ONLY_ENGINE_TOKENS_PER_S = 86.0  # the README's engine figure for the starter model


def run(n_tokens: int, replay_only: bool = False) -> dict[str, Any]:
    from bench.chat_store import build_corpus
    from desktop.app import create_window
    from desktop.chats import database_path
    from desktop.paths import AppPaths
    from desktop.ui.application import application
    from desktop.ui.engine_bridge import EngineBridge
    from models.engine import Engine
    from models.library import starter_model_path

    paths = AppPaths.default().create()
    long_conversation = build_corpus(database_path(paths), conversations=0, messages_each=0, long=10_000)
    app = application()
    window, _ = create_window(paths)
    window.resize(1200, 800)
    window.show()
    starter = starter_model_path()
    assert starter is not None, "the starter model is not installed"
    loaded: list[Any] = []
    window.bridge.model_loaded.connect(loaded.append)
    window.load_model(starter)
    while not loaded:
        app.processEvents()
        time.sleep(0.005)
    window.settings_panel.fields["max_tokens"].setValue(n_tokens)

    # 1. The starter model for real, and the same prompt on the engine alone.
    real: dict[str, Any] | None = None
    engine_tokens_per_s = REPLAY_ONLY_ENGINE_TOKENS_PER_S
    if not replay_only:
        real = stream_once(window, app)
        engine = Engine()
        engine.load(starter)
        alone = engine.chat([{"role": "user", "content": PROMPT}],
                            SamplingParams(temperature=0.0, max_tokens=n_tokens))
        engine.unload()
        engine_tokens_per_s = alone.generation_tokens_per_s

    # 2. A canned Markdown answer of n_tokens pieces, at 10x the engine's speed.
    text = "".join(SECTION.format(i=i) for i in range(60))
    words = text.split(" ")
    pieces = [w + " " for w in words][:n_tokens]
    rate = 10 * max(engine_tokens_per_s, 50.0)
    replay = ReplayWorker(pieces, rate)
    window.controller.new_conversation()
    window.bridge = window.controller.bridge = window.controller.answers.engine = EngineBridge(replay)  # type: ignore[arg-type]
    window.bridge.model = loaded[0]
    fast = stream_once(window, app)

    # 3. Open a 10,000-message conversation.
    timings = []
    for _ in range(5):
        window.controller.new_conversation()
        app.processEvents()
        started = time.perf_counter()
        window.controller.open_conversation(long_conversation)
        window.grab()  # lay out and paint everything, as a screen would
        timings.append((time.perf_counter() - started) * 1000)

    window.close()
    figures: dict[str, Any] = {}
    if real is not None:
        figures["starter_model"] = {
            "generated_tokens": real["stats"].generated_tokens,
            "window_tokens_per_s": round(real["stats"].generation_tokens_per_s, 1),
            "engine_alone_tokens_per_s": round(engine_tokens_per_s, 1),
            "ratio": round(real["stats"].generation_tokens_per_s / engine_tokens_per_s, 3),
            "longest_stall_ms": real["longest_stall_ms"],
            "send_ms": real["send_ms"],
        }
    return figures | {
        "replay_10x": {
            "tokens": len(pieces),
            "tokens_per_s": round(rate, 1),
            "longest_stall_ms": fast["longest_stall_ms"],
            "send_ms": fast["send_ms"],
            "finished_after_last_token_ms": round((fast["finished_at"] - replay.last_emit) * 1000, 1),
        },
        "open_10000_messages_ms": round(statistics.median(timings), 1),
        "goals": {"longest_stall_ms": "< 50", "open_10000_messages_ms": "< 300"},
    }


if __name__ == "__main__":
    main()
