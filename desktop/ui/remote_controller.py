"""The window's side of remote models: choosing one in the header or the model manager, saying in
the header where the prompt goes, and following offline mode.

Choosing a remote model does not unload the local one (it stays ready for the next local
choice); loading a local model hands the conversation back to the local engine.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.remotes import RemoteListing
from desktop.ui.composer import Composer
from desktop.ui.conversation_view import EMPTY_TEXT, ConversationView
from desktop.ui.header import Header
from desktop.ui.remote_models import AnswerRouter, RemoteModels
from models.errors import HearthModelError

log = logging.getLogger(__name__)


def where_it_goes(host: str) -> str:
    return f"Answers come from {host}; your messages and attached passages are sent there."



def remote_empty_text(host: str) -> str:
    """The empty conversation's promise, made true for a remote model."""
    return (f"<h2>Start a conversation</h2><p>A remote model answers: what you write is sent to "
            f"{html.escape(host)}. Your chats stay on this computer.</p>")


class RemoteController(QObject):
    changed = Signal(object)  # the remote:NAME/MODEL now answering, or None

    def __init__(self, remote: RemoteModels, router: AnswerRouter, header: Header, composer: Composer,
                 view: ConversationView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.remote, self.router, self.header, self.composer, self.view = remote, router, header, composer, view
        self.current: str | None = None
        self._agreed: set[tuple[int | None, str]] = set()  # (conversation, host) whose passages may go
        self.confirm: Callable[[str, str], bool] = self._ask
        remote.listed.connect(self._on_remote_listed)
        header.remote_model_chosen.connect(self.use)

    def use(self, ref: str) -> bool:
        """Answer with `remote:NAME/MODEL` from now on; False (and the reason shown) when it cannot."""
        try:
            engine = self.remote.engine_for(ref)
        except HearthModelError as exc:
            self.view.show_error(str(exc))
            self.header.set_models(self.header.local_models, self.current)
            return False
        self.router.remote = engine
        self.router.remote_context = self.remote.context_of(ref)
        self.current = ref
        self.header.set_models(self.header.local_models, ref)
        self.header.set_status(where_it_goes(engine.host))  # shortened with "…" where the window is narrow
        self.header.set_context(self.header.context_gauge.value(), self.router.context_length)
        self.view.placeholder.setText(remote_empty_text(engine.host))
        self.composer.set_ready(True)
        self.composer.input.setFocus()
        self.changed.emit(ref)
        return True

    def may_send_passages(self, conversation_id: int | None) -> bool:
        """A chat with attached documents asks once before their passages go to a remote model."""
        engine = self.router.remote
        if engine is None or (conversation_id, engine.host) in self._agreed:
            return True
        if not self.confirm("Send passages to a remote model?", (
                f"This chat has documents attached. Hearth searches them on this computer, then sends the "
                f"passages it finds, with your message, to {engine.host}. Send them there?")):
            return False
        self._agreed.add((conversation_id, engine.host))
        return True

    def agreed_for(self, conversation_id: int) -> None:
        """A new chat was created by the message just agreed to: it need not ask again."""
        engine = self.router.remote
        if engine is not None and (None, engine.host) in self._agreed:
            self._agreed.discard((None, engine.host))
            self._agreed.add((conversation_id, engine.host))

    def _ask(self, title: str, text: str) -> bool:
        parent = self.parent()
        answer = QMessageBox.question(
            parent if isinstance(parent, QWidget) else None, title, text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def drop(self) -> None:
        """A local model was chosen: the local engine answers again."""
        if self.current is not None:
            self.router.remote = None
            self.router.remote_context = None
            self.current = None
            self.view.placeholder.setText(EMPTY_TEXT)
            self.changed.emit(None)

    def set_offline(self, offline: bool) -> None:
        """Offline mode switched: endpoints are listed again, and the chosen model is asked through
        a client that knows (offline, only loopback endpoints answer)."""
        self.remote.set_offline(offline)
        if self.current is not None:
            self.use(self.current)

    def refresh(self) -> None:
        if self.remote.endpoints.all():
            self.remote.refresh()

    def _on_remote_listed(self, listings: list[RemoteListing]) -> None:
        entries = [(model.id, ref, listing.host) for listing in listings
                   for model, ref in zip(listing.models, listing.refs(), strict=True)]
        if self.current is not None and self.current not in [ref for _id, ref, _host in entries]:
            # still chosen (an endpoint down for a moment must not switch models under the user)
            parsed = self.current.split("/", 1)
            entries.append((parsed[1] if len(parsed) > 1 else self.current, self.current,
                            self.router.remote.host if self.router.remote else "?"))
        self.header.set_remote_models(entries)
