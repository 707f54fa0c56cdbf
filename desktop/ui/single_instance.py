"""One Hearth per user and data folder: a second start brings the running window forward.

The first instance listens on a local socket named after the data folder; a second instance
finds it, asks it to show its window, and exits. A socket left behind by a crashed instance
is removed when nobody answers on it.
"""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

ACTIVATE = b"activate\n"
LOCK = b"lock\n"  # `hearth privacy lock`: lock the running window now
TIMEOUT_MS = 500


def server_name(data_dir: Path) -> str:
    digest = hashlib.sha256(f"{getpass.getuser()}:{data_dir.resolve()}".encode()).hexdigest()[:16]
    return f"hearth-{digest}"


def _send(name: str, message: bytes) -> bool:
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    socket.write(message)
    socket.waitForBytesWritten(TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


def request_lock(data_dir: Path) -> bool:
    """Ask a running Hearth to lock; False when none runs."""
    return _send(server_name(data_dir), LOCK)


def is_running(data_dir: Path) -> bool:
    socket = QLocalSocket()
    socket.connectToServer(server_name(data_dir))
    connected = socket.waitForConnected(TIMEOUT_MS)
    socket.disconnectFromServer()
    return connected


class SingleInstance(QObject):
    activation_requested = Signal()
    lock_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._server: QLocalServer | None = None

    def activate_running(self) -> bool:
        """If another instance runs, ask it to come forward and return True."""
        return _send(self.name, ACTIVATE)

    def listen(self) -> None:
        QLocalServer.removeServer(self.name)  # a crashed instance's leftover, nobody answered on it
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)
        self._server.listen(self.name)

    def _on_server_new_connection(self) -> None:
        assert self._server is not None
        socket = self._server.nextPendingConnection()
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
