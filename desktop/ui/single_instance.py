"""One Hearth per user and data folder: a second start brings the running window forward.

The first instance listens on a local socket named after the data folder, in a folder only this
user can enter (desktop/instance_socket.py says where, per platform); a second instance finds it,
checks that the listener is the same user, asks it to show its window (or, from `hearth privacy
lock`, to lock), and exits. The listener checks the same of whoever connects. A socket left behind
by a crashed instance is removed when nobody answers on it. Without a private folder to put the
socket in, Hearth runs without the check.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop.instance_socket import same_user, server_name

log = logging.getLogger(__name__)
ACTIVATE = b"activate\n"
LOCK = b"lock\n"  # `hearth privacy lock`: lock the running window now
TIMEOUT_MS = 500


def _send(name: str, message: bytes) -> bool:
    """Say `message` to the instance listening on `name`; False when none of this user runs."""
    if not name:
        return False
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    if not same_user(int(socket.socketDescriptor())):
        log.warning("Another user listens on %s; not asking it anything", name)
        socket.abort()
        return False
    socket.write(message)
    socket.waitForBytesWritten(TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


def request_lock(data_dir: Path) -> bool:
    """Ask a running Hearth to lock; False when none runs."""
    return _send(server_name(data_dir), LOCK)


def is_running(data_dir: Path) -> bool:
    name = server_name(data_dir)
    if not name:
        return False
    socket = QLocalSocket()
    socket.connectToServer(name)
    connected = socket.waitForConnected(TIMEOUT_MS)
    socket.disconnectFromServer()
    return connected


class SingleInstance(QObject):
    activation_requested = Signal()
    lock_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)  # "" when no private place for the socket exists
        self._server: QLocalServer | None = None

    def activate_running(self) -> bool:
        """If another instance of this user runs, ask it to come forward and return True."""
        return _send(self.name, ACTIVATE)

    def listen(self) -> None:
        if not self.name:
            return
        QLocalServer.removeServer(self.name)  # a crashed instance's leftover, nobody answered on it
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)
        self._server.listen(self.name)

    def _on_server_new_connection(self) -> None:
        assert self._server is not None
        socket = self._server.nextPendingConnection()
        if not same_user(int(socket.socketDescriptor())):
            log.warning("Ignored a connection from another user to the single-instance socket")
            socket.abort()
            socket.deleteLater()
            return
        # The other instance writes its one line at once; a short wait here keeps the socket's
        # lifetime inside this call (no callbacks that could outlive the server).
        arrived = socket.bytesAvailable() or socket.waitForReadyRead(TIMEOUT_MS)
        message = bytes(socket.readAll().data()) if arrived else b""
        if message.startswith(ACTIVATE.strip()):
            self.activation_requested.emit()
        elif message.startswith(LOCK.strip()):
            self.lock_requested.emit()
        socket.disconnectFromServer()
        socket.deleteLater()

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
