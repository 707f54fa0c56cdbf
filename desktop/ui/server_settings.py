"""Settings → Local server: on/off, port, who may connect, the address and key to copy, and a
live status line. Choosing the local network makes a key at once and shows it this one time."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop.server import ALL_INTERFACES, LOOPBACK, ServerConfig, client_url
from desktop.settings import AppSettings
from desktop.ui.server_bridge import ServerBridge

ACCESS_CHOICES = (("local", "This computer only"), ("network", "Devices on my local network (with the key)"))
NETWORK_WARNING = "Other devices on your network can use this model with the key."
KEY_ONCE = "Copy the key now: Hearth shows it only this once."


def masked(key: str) -> str:
    return f"{key[:7]}…{key[-4:]} (hidden; make a new one if it is lost)"


class LocalServerBox(QGroupBox):
    def __init__(self, settings: AppSettings, server: ServerBridge, parent: QWidget | None = None) -> None:
        super().__init__("Local server", parent)
        self._server = server
        self.enabled = QCheckBox("Serve the loaded model to other apps (OpenAI-compatible API)",
                                 objectName="serverSwitch", checked=settings.server_enabled)
        self.port = QSpinBox(objectName="serverPort", minimum=1, maximum=65535, value=settings.server_port)
        self.access = QComboBox(objectName="serverAccess")
        for key, label in ACCESS_CHOICES:
            self.access.addItem(label, key)
        self.access.setCurrentIndex(1 if settings.server_network else 0)
        self.warning = QLabel(f"⚠ {NETWORK_WARNING}", objectName="serverWarning", wordWrap=True,
                              toolTip="Their prompts are processed on this computer.")
        keep_room = self.warning.sizePolicy()
        keep_room.setRetainSizeWhenHidden(True)  # the dialog does not grow under the user's pointer
        self.warning.setSizePolicy(keep_room)
        self.address = QLineEdit(objectName="serverAddress", readOnly=True)
        copy_address = QPushButton("Copy", objectName="serverCopyAddress")
        copy_address.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.address.text()))
        self.key = QLineEdit(objectName="serverKey", readOnly=True)
        self.copy_key = QPushButton("Copy", objectName="serverCopyKey", enabled=False)
        self.copy_key.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.key.text()))
        self.new_key_button = QPushButton("New key", objectName="serverNewKey",
                                          toolTip="Make a new key; the old one stops working")
        self.new_key_button.clicked.connect(self.make_key)
        self.key_note = QLabel(objectName="serverKeyNote", wordWrap=True)
        self.allow_switch = QCheckBox("Requests may switch to another installed model", objectName="serverAllowSwitch",
                                      checked=settings.server_allow_switch)
        self.origins = QLineEdit(settings.server_origins, objectName="serverOrigins",
                                 placeholderText="none: web pages may not call it",
                                 toolTip="Web page origins allowed to call the server, separated by spaces, "
                                         "e.g. http://localhost:3000")
        self.status = QLabel(objectName="serverStatus", wordWrap=True)
        self._shown_key: str | None = None

        address_row, key_row = QHBoxLayout(), QHBoxLayout()
        address_row.addWidget(self.address, 1)
        address_row.addWidget(copy_address)
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.copy_key)
        key_row.addWidget(self.new_key_button)
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow("Port", self.port)
        form.addRow("Who may connect", self.access)
        form.addRow(self.warning)
        form.addRow("Address", address_row)
        form.addRow("API key", key_row)
        form.addRow(self.key_note)
        form.addRow(self.allow_switch)
        form.addRow("Web pages", self.origins)
        form.addRow("Status", self.status)

        self.port.valueChanged.connect(self._refresh)
        self.access.currentIndexChanged.connect(self._on_access_changed)
        server.status_changed.connect(self._on_server_status_changed)
        server.state_changed.connect(self._refresh)
        self._refresh()

    @property
    def network(self) -> bool:
        return bool(self.access.currentData() == "network")

    def values(self) -> dict[str, Any]:
        return {"server_enabled": self.enabled.isChecked(), "server_port": self.port.value(),
                "server_network": self.network, "server_allow_switch": self.allow_switch.isChecked(),
                "server_origins": " ".join(self.origins.text().split())}

    def detach(self) -> None:
        """The dialog closed: stop following the server's status."""
        self._server.status_changed.disconnect(self._on_server_status_changed)
        self._server.state_changed.disconnect(self._refresh)

    def make_key(self) -> None:
        self._shown_key = self._server.new_key()
        self._refresh()

    def _on_access_changed(self, _index: int) -> None:
        if self.network and self._server.key() is None:
            self.make_key()  # the network is never served without a key: make it now, while it can be shown
        self._refresh()

    def _refresh(self) -> None:
        self.warning.setVisible(self.network)
        host = ALL_INTERFACES if self.network else LOOPBACK
        self.address.setText(client_url(ServerConfig(host=host), self.port.value()))
        stored = self._server.key()
        if self._shown_key is not None and self._shown_key == stored:
            self.key.setText(self._shown_key)
            self.key_note.setText(KEY_ONCE)
        elif stored is not None:
            self.key.setText(masked(stored))
            self.key_note.setText("Clients send it as 'Authorization: Bearer KEY'. It is kept in "
                                  f"{self._server.key_file}.")
        else:
            self.key.setText("")
            self.key_note.setText("No key yet: this computer's own apps need none.")
        self.key.setCursorPosition(0)
        self.copy_key.setEnabled(self._shown_key is not None and self._shown_key == stored)
        self._on_server_status_changed(self._server.status_text())

    def _on_server_status_changed(self, text: str) -> None:
        line = f"Running at {self._server.url} · {text}" if self._server.running else text or "Off"
        self.status.setText(f"{line}\n{self._server.notice}" if self._server.notice else line)
