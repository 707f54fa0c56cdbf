"""The questions the Installed tab asks (delete?, which file?, copy or link?), as plain functions
so that a test can answer them instead (`InstalledTab.confirm`, `.choose_file`, `.choose_import_mode`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

ImportMode = Literal["copy", "link"]


def confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def gguf_file(parent: QWidget) -> Path | None:
    path, _filter = QFileDialog.getOpenFileName(
        parent, "Import a GGUF model", str(Path.home()), "GGUF models (*.gguf);;All files (*)"
    )
    return Path(path) if path else None


def import_mode(parent: QWidget, path: Path) -> ImportMode | None:
    box = QMessageBox(parent)
    box.setWindowTitle("Import model")
    box.setText(f"How should Hearth add {path.name}?")
    box.setInformativeText(
        "A copy lives in Hearth's folder and stays if you move the original. A link uses the file "
        "where it is: no disk space is used twice, but moving or deleting the file breaks it."
    )
    copy = box.addButton("Copy into Hearth's folder", QMessageBox.ButtonRole.AcceptRole)
    link = box.addButton("Use it where it is (link)", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(copy)
    box.exec()
    clicked = box.clickedButton()
    return "copy" if clicked is copy else "link" if clicked is link else None
