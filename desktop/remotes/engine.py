"""A remote model as the conversation flow's `AnswerEngine` (desktop.chats), and the
`remote:NAME/MODEL` reference that names one.

Each answer runs on a thread of its own (network waits must not hold the GUI or the local
engine's worker); its callbacks go through `deliver`, which the window sets to its GUI relay
and a headless caller leaves as a direct call. Stopping closes the stream.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.errors import HearthError
from desktop.remotes.store import RemoteEndpoint, RemoteEndpoints
from models.cancel import CancelToken
from models.engine import GenerationStats
from models.errors import HearthModelError
from models.families import thinking_choice
from models.remote import RemoteClient, Timeouts, remote_answer, sampling_from

log = logging.getLogger(__name__)

PREFIX = "remote:"
Deliver = Callable[[Callable[[], None]], None]


@dataclass(frozen=True)
class RemoteModelRef:
    endpoint: str
    model: str

    def __str__(self) -> str:
        return f"{PREFIX}{self.endpoint}/{self.model}"


def is_remote_ref(text: str | None) -> bool:
    return bool(text) and str(text).startswith(PREFIX)


def parse_remote_ref(text: str) -> RemoteModelRef:
    """`remote:NAME/MODEL` (the model id may itself hold slashes, as `Qwen/Qwen3-32B` does)."""
    body = text[len(PREFIX):] if text.startswith(PREFIX) else text
    name, slash, model = body.partition("/")
    if not slash or not name or not model.strip():
        raise HearthError(
            f"'{text}' names no remote model; write remote:ENDPOINT/MODEL, e.g. remote:gpu/llama-3.3-70b."
        )
    return RemoteModelRef(name, model)


def client_for(endpoints: RemoteEndpoints, endpoint: RemoteEndpoint, offline: bool,
               timeouts: Timeouts | None = None) -> RemoteClient:
    return RemoteClient(
        endpoint.address,
        endpoints.key_for(endpoint),
        ca_file=Path(endpoint.ca_file) if endpoint.ca_file else None,
        offline=offline,
        timeouts=timeouts or Timeouts(),
    )


def _immediately(call: Callable[[], None]) -> None:
    call()


class RemoteEngine:
    """Answers with one model of one endpoint; the conversation flow's AnswerEngine."""

    def __init__(self, client: RemoteClient, ref: RemoteModelRef, deliver: Deliver = _immediately) -> None:
        self.client, self.ref, self._deliver = client, ref, deliver
        self._threads: list[threading.Thread] = []

    @property
    def model_name(self) -> str | None:
        return str(self.ref)

    @property
    def host(self) -> str:
        return self.client.host

    def answer(
        self,
        messages: Sequence[Mapping[str, str]],
        settings: Mapping[str, Any],
        on_text: Callable[[str], None],
        on_done: Callable[[GenerationStats], None],
        on_error: Callable[[str], None],
    ) -> CancelToken:
        token = CancelToken()
        deliver = self._deliver

        def run() -> None:
            try:
                stats = remote_answer(self.client, self.ref.model, messages, sampling_from(settings),
                                      lambda text: deliver(lambda: on_text(text)), token, thinking_choice(settings))
            except HearthModelError as exc:
                message = str(exc)
                deliver(lambda: on_error(message))
            except Exception as exc:  # never a traceback in a chat: a sentence, and the log has the rest
                log.exception("A remote answer failed unexpectedly")
                message = f"The answer from {self.client.host} failed ({type(exc).__name__})."
                deliver(lambda: on_error(message))
            else:
                deliver(lambda: on_done(stats))

        thread = threading.Thread(target=run, name="hearth-remote-answer", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return token

    def join(self, timeout: float = 10.0) -> None:
        """Wait for answers still running (after stopping them): quitting, tests."""
        for thread in self._threads:
            thread.join(timeout)
