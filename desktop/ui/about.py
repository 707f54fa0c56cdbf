"""Help, About Hearth: the version, what it is built on and under which licences, and where the
user's data lives."""

from __future__ import annotations

import html
from importlib import metadata

import PySide6
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop import __version__
from desktop.paths import AppPaths

# What a bundle of Hearth carries, each under its own licence (packaging/README.md says more).
LICENCES = (
    ("Hearth", "Apache-2.0"),
    ("Qt and Qt for Python (PySide6)", "LGPL-3.0"),
    ("llama.cpp and llama-cpp-python", "MIT"),
    ("huggingface_hub", "Apache-2.0"),
    ("markdown-it-py", "MIT"),
    ("Pygments", "BSD-2-Clause"),
    ("Jinja2, NumPy, psutil, pypdf", "BSD-3-Clause"),
    ("gguf, platformdirs, python-docx", "MIT"),
    ("SmolLM2-135M-Instruct, the starter model", "Apache-2.0"),
)


def _version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:  # a bundle may leave the metadata out
        return "?"


def about_html(paths: AppPaths) -> str:
    data = QUrl.fromLocalFile(str(paths.data)).toString()
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td>&nbsp;&nbsp;{html.escape(licence)}</td></tr>"
                   for name, licence in LICENCES)
    return (
        f"<h2>Hearth {html.escape(__version__)}</h2>"
        "<p>Chat with open-weight models on this computer. Your conversations and documents stay on it.</p>"
        f"<p>llama-cpp-python {html.escape(_version_of('llama_cpp_python'))} · Qt {html.escape(qVersion())} · "
        f"PySide6 {html.escape(PySide6.__version__)}</p>"
        f"<p><b>Your data</b><br><a href=\"{html.escape(data)}\">{html.escape(str(paths.data))}</a></p>"
        f"<p><b>Licences</b></p><table>{rows}</table>"
    )


class AboutDialog(QDialog):
    def __init__(self, paths: AppPaths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About Hearth")
        self.text = QLabel(about_html(paths), objectName="aboutText", wordWrap=True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.text.linkActivated.connect(lambda link: QDesktopServices.openUrl(QUrl(link)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
