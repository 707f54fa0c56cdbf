"""Model manager → Remote: OpenAI-compatible engines elsewhere (vLLM, llama-server, Ollama,
LM Studio, another Hearth). Add one (name, address, optional API key), see the models each
serves, choose one to chat with, remove one (and its key).

Saving (the key goes to the keychain, which may take a moment) and listing run in the
background; the listing itself is `RemoteModels`', shared with the header's model selector.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.remotes import RemoteListing
from desktop.ui.remote_models import RemoteModels
from desktop.ui.tasks import BackgroundTasks, TaskFailure

PRIVACY_NOTE = (
    "A remote model answers on another machine: your messages, and the passages of attached documents, are sent "
    "there (document search stays on this computer). An address on this machine (localhost) counts as local; "
    "offline mode blocks every other one."
)
_REF_ROLE = Qt.ItemDataRole.UserRole
_ENDPOINT_ROLE = Qt.ItemDataRole.UserRole + 1


class RemoteTab(QWidget):
    model_chosen = Signal(str)  # remote:NAME/MODEL
    endpoints_changed = Signal()

    def __init__(self, remote: RemoteModels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("remoteTab")
        self.remote = remote
        self.tasks = BackgroundTasks(self, threads=1)
        self.name = QLineEdit(objectName="remoteName", placeholderText="gpu-box", maxLength=40)
        self.url = QLineEdit(objectName="remoteUrl", placeholderText="http://gpu-box:8000/v1")
        self.key = QLineEdit(objectName="remoteKey", placeholderText="optional; kept in the keychain")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_button = QPushButton("Add endpoint", objectName="remoteAdd")
        self.add_button.clicked.connect(self.add)
        for field in (self.name, self.url, self.key):
            field.returnPressed.connect(self.add)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Address", self.url)
        form.addRow("API key", self.key)
        form.addRow("", self.add_button)

        self.tree = QTreeWidget(objectName="remoteTree", headerHidden=True)
        self.tree.itemActivated.connect(self._on_tree_item_activated)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.use_button = QPushButton("Chat with this model", objectName="remoteUse", enabled=False)
        self.use_button.clicked.connect(self._use_current)
        self.remove_button = QPushButton("Remove endpoint", objectName="remoteRemove", enabled=False)
        self.remove_button.clicked.connect(self._remove_current)
        self.refresh_button = QPushButton("Refresh", objectName="remoteRefresh",
                                          toolTip="Ask every endpoint again (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, activated=self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        self.status = QLabel(objectName="remoteStatus", wordWrap=True)
        note = QLabel(PRIVACY_NOTE, objectName="remotePrivacy", wordWrap=True)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        remote.listed.connect(self.show_listings)
        self.show_listings(remote.listings)

    # -- actions -------------------------------------------------------------------------

    def add(self) -> None:
        name, url, key = self.name.text().strip(), self.url.text().strip(), self.key.text().strip()
        if not name or not url:
            self.status.setText("Give the endpoint a name and its address.")
            return
        self.add_button.setEnabled(False)
        self.status.setText(f"Saving {name}…")
        endpoints = self.remote.endpoints
        self.tasks.run(lambda: endpoints.add(name, url, key or None), self._on_added, self._on_failed)

    def refresh(self) -> None:
        self.status.setText("Asking the endpoints for their models…")
        self.remote.refresh()

    def _remove_current(self) -> None:
        item = self.tree.currentItem()
        name = item.data(0, _ENDPOINT_ROLE) if item is not None else None
        if not name:
            return
        endpoints = self.remote.endpoints
        self.tasks.run(lambda: endpoints.remove(name), lambda _e: self._on_removed(name), self._on_failed)

    def _use_current(self) -> None:
        item = self.tree.currentItem()
        ref = item.data(0, _REF_ROLE) if item is not None else None
        if ref:
            self.model_chosen.emit(ref)

    # -- results -------------------------------------------------------------------------

    def _on_added(self, endpoint: object) -> None:
        self.add_button.setEnabled(True)
        self.key.clear()  # the key is in the keychain now; it need not stay on screen
        self.name.clear()
        self.url.clear()
        self.status.setText(f"Saved {getattr(endpoint, 'name', '')}; asking it for its models…")
        self.endpoints_changed.emit()
        self.remote.refresh()

    def _on_removed(self, name: str) -> None:
        self.status.setText(f"Removed {name} and its key.")
        self.endpoints_changed.emit()
        self.remote.refresh()

    def _on_failed(self, failure: TaskFailure) -> None:
        self.add_button.setEnabled(True)
        self.status.setText(failure.message)

    def show_listings(self, listings: list[RemoteListing]) -> None:
        self.tree.clear()
        models = 0
        for listing in listings:
            endpoint = listing.endpoint
            top = QTreeWidgetItem([f"{endpoint.name}  ·  {endpoint.url}" + ("  ·  API key" if endpoint.key else "")])
            top.setData(0, _ENDPOINT_ROLE, endpoint.name)
            self.tree.addTopLevelItem(top)
            if listing.problem:
                problem = QTreeWidgetItem([listing.problem])
                problem.setIcon(0, self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
                problem.setData(0, _ENDPOINT_ROLE, endpoint.name)
                problem.setToolTip(0, listing.problem)
                top.addChild(problem)
            for model, ref in zip(listing.models, listing.refs(), strict=True):
                context = f"  ·  {model.context_length:,}-token context" if model.context_length else ""
                child = QTreeWidgetItem([f"{model.id}  ·  remote · {listing.host}{context}"])
                child.setData(0, _REF_ROLE, ref)
                child.setData(0, _ENDPOINT_ROLE, endpoint.name)
                top.addChild(child)
                models += 1
            top.setExpanded(True)
        if not listings:
            self.status.setText("No remote endpoints yet. Add vLLM, llama-server, Ollama or another Hearth above.")
        else:
            self.status.setText(f"{len(listings)} endpoint{'s' * (len(listings) != 1)}, {models} "
                                f"model{'s' * (models != 1)}. Double-click a model to chat with it.")
        self._update_buttons()

    def _on_tree_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        ref = item.data(0, _REF_ROLE)
        if ref:
            self.model_chosen.emit(ref)

    def _update_buttons(self) -> None:
        item = self.tree.currentItem()
        self.use_button.setEnabled(bool(item is not None and item.data(0, _REF_ROLE)))
        self.remove_button.setEnabled(bool(item is not None and item.data(0, _ENDPOINT_ROLE)))

    def shutdown(self) -> None:
        self.tasks.shutdown(5_000)
