"""Hearth's own icon, from the PNGs in resources/icons (rendered from hearth.svg by
packaging/make_icons.py)."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QIcon, QPixmap

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """Every size, so title bars, task switchers and docks each pick a sharp one instead of
    scaling. The PNGs are read as bytes: that works from a checkout, a wheel and a PyInstaller
    bundle alike, and needs no SVG plugin. Call it once a QGuiApplication exists."""
    folder = resources.files("resources").joinpath("icons")
    icon = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap()
        if pixmap.loadFromData(folder.joinpath(f"hearth-{size}.png").read_bytes(), "PNG"):
            icon.addPixmap(pixmap)
    return icon
