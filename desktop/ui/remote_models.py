"""Remote models in the window: the endpoints' model lists, fetched in the background, and the
router that sends a conversation's answer to the local engine or to the remote model chosen.

The conversation flow (desktop.chats.Conversations) talks to `AnswerRouter` as its
AnswerEngine; streaming, stop, regenerate, edit, statistics and documents grounding (retrieval
stays on this machine) work the same whichever model answers. A remote answer's callbacks come
back to the GUI thread through the GuiRelay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.remotes import RemoteEndpoints, RemoteEngine, RemoteListing, client_for, list_remote_models
from desktop.remotes import parse_remote_ref as parse_ref
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.tasks import BackgroundTasks, GuiRelay, TaskFailure
from models.cancel import CancelToken
from models.engine import GenerationStats

REMOTE_DEFAULT_CONTEXT = 8192  # when the endpoint does not say: what documents grounding budgets for


class RemoteModels(QObject):
    """The saved endpoints and what they serve, for the header and the model manager."""

    listed = Signal(list)  # list[RemoteListing], after every refresh
    chosen = Signal(object)  # the RemoteEngine now answering, or None (back to the local engine)

    def __init__(self, endpoints: RemoteEndpoints, offline: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.endpoints = endpoints
        self.offline = offline
        self.listings: list[RemoteListing] = []
        self._tasks = BackgroundTasks(self, threads=2)
        self._relay = GuiRelay(self)
        self._refreshing: int | None = None

    def refresh(self) -> None:
        """Ask every endpoint for its models again (in the background)."""
        self._tasks.forget(self._refreshing)
        offline = self.offline
        self._refreshing = self._tasks.run(lambda: list_remote_models(self.endpoints, offline), self._on_listed,
                                           self._on_list_failed)

    def set_offline(self, offline: bool) -> None:
        if offline != self.offline:
            self.offline = offline
            self.refresh()

    def context_of(self, ref: str) -> int | None:
        parsed = parse_ref(ref)
        for listing in self.listings:
            if listing.endpoint.name == parsed.endpoint:
                return next((m.context_length for m in listing.models if m.id == parsed.model), None)
        return None

    def engine_for(self, ref: str) -> RemoteEngine:
        """The engine for `remote:NAME/MODEL`; raises HearthModelError (unknown endpoint, unreadable key)."""
        parsed = parse_ref(ref)
        client = client_for(self.endpoints, self.endpoints.get(parsed.endpoint), self.offline)
        return RemoteEngine(client, parsed, self._relay.call)

    def shutdown(self) -> None:
        self._tasks.shutdown(5_000)

    def _on_listed(self, listings: list[RemoteListing]) -> None:
        self._refreshing = None
        self.listings = listings
        self.listed.emit(listings)

    def _on_list_failed(self, failure: TaskFailure) -> None:
        self._refreshing = None
        self.listings = []
        self.listed.emit([])


class AnswerRouter:
    """The conversation flow's AnswerEngine: the remote model chosen, else the local engine."""

    def __init__(self, bridge: EngineBridge) -> None:
        self.bridge = bridge
        self.remote: RemoteEngine | None = None
        self.remote_context: int | None = None

    @property
    def ready(self) -> bool:
        return self.remote is not None or self.bridge.model is not None

    @property
    def model_name(self) -> str | None:
        return self.remote.model_name if self.remote is not None else self.bridge.model_name

    @property
    def context_length(self) -> int:
        if self.remote is not None:
            return self.remote_context or REMOTE_DEFAULT_CONTEXT
        return self.bridge.model.context_length if self.bridge.model is not None else 0

    def answer(
        self,
        messages: Sequence[Mapping[str, str]],
        settings: Mapping[str, Any],
        on_text: Callable[[str], None],
        on_done: Callable[[GenerationStats], None],
        on_error: Callable[[str], None],
    ) -> CancelToken:
        if self.remote is not None:
            return self.remote.answer(messages, settings, on_text, on_done, on_error)
        return self.bridge.answer(messages, settings, on_text, on_done, on_error)
