"""The window's switch for the local server (desktop.server): on, off, and its live status line.

The server runs on its own thread with its own event loop and shares the window's engine
worker; this bridge only starts and stops it from the settings, relays a model the server
loaded (when switching is allowed) to the engine bridge as if the window had loaded it, and
polls the server's status once a second for the header and the settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.paths import AppPaths
from desktop.server import (
    ALL_INTERFACES,
    KEY_FILE_NAME,
    LOOPBACK,
    ApiKeyError,
    LocalServer,
    ServerConfig,
    ServerError,
    generate_key,
    read_key,
    write_key,
)
from desktop.settings import AppSettings
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.tasks import GuiRelay
from models.engine import EngineWorker

log = logging.getLogger(__name__)
POLL_MS = 1000
OFFLINE_NOTICE = "Offline mode is on: serving this computer only."


@dataclass(frozen=True)
class Wanted:
    """The server the settings ask for (None: off), and a note on what was changed from it."""

    config: ServerConfig | None
    notice: str = ""


class ServerBridge(QObject):
    status_changed = Signal(str)  # the live line ("serving 1 request · 34 tok/s"); "" when off
    state_changed = Signal()  # started, stopped or failed to start

    def __init__(self, worker: EngineWorker, engine: EngineBridge, paths: AppPaths,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker, self._engine, self._paths = worker, engine, paths
        self._relay = GuiRelay(self)
        self._server: LocalServer | None = None
        self.error = ""  # why the server is not running although it should
        self.notice = ""
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def key_file(self) -> str:
        return str(self._paths.config / KEY_FILE_NAME)

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str | None:
        return self._server.url if self._server is not None else None

    def key(self) -> str | None:
        """The stored API key, if one was made."""
        try:
            return read_key(self._paths.config / KEY_FILE_NAME)
        except ApiKeyError:
            return None

    def new_key(self) -> str:
        """Make and store a new key (the old one stops working); the caller shows it once."""
        key = generate_key()
        write_key(self._paths.config / KEY_FILE_NAME, key)
        if self._server is not None and not self._server.config.loopback:
            self._restart(replace(self._server.config, api_key=key))
        return key

    def wanted(self, settings: AppSettings) -> Wanted:
        if not settings.server_enabled:
            return Wanted(None)
        network = settings.server_network and not settings.offline
        key = self.key() if network else None
        if network and key is None:
            key = generate_key()  # normally made (and shown) by the settings; never serve the network without
            write_key(self._paths.config / KEY_FILE_NAME, key)
        config = ServerConfig(
            host=ALL_INTERFACES if network else LOOPBACK, port=settings.server_port, api_key=key,
            cors_origins=tuple(settings.server_origins.split()), allow_model_switch=settings.server_allow_switch,
        )
        return Wanted(config, OFFLINE_NOTICE if settings.server_network and settings.offline else "")

    def apply(self, settings: AppSettings) -> None:
        """Start, restart or stop the server as the settings say."""
        wanted = self.wanted(settings)
        self.notice = wanted.notice
        current = self._server.config if self._server is not None else None
        if wanted.config == current and not (wanted.config is not None and self.error):
            return
        self._restart(wanted.config)

    def _restart(self, config: ServerConfig | None) -> None:
        self._stop()
        self.error = ""
        if config is not None:
            server = LocalServer(self._worker, config, self._paths.models,
                                 on_model_loaded=self._relay.to_gui(self._engine.model_loaded.emit))
            try:
                server.start()
            except ServerError as exc:
                self.error = str(exc)
                log.warning("The local server did not start: %s", exc)
            else:
                self._server = server
                self._timer.start()
        self.state_changed.emit()
        self._on_timer_timeout()

    def status_text(self) -> str:
        if self._server is None:
            return f"Not running: {self.error}" if self.error else ""
        return self._server.status().text()

    def _on_timer_timeout(self) -> None:
        self.status_changed.emit(self.status_text())

    def _stop(self) -> None:
        self._timer.stop()
        if self._server is not None:
            server, self._server = self._server, None
            server.stop()

    def shutdown(self) -> None:
        """Stop serving (before the engine worker shuts down)."""
        self._stop()
        self.state_changed.emit()
