"""Hearth's icon: every size desktops ask for, rendered from the one SVG."""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from desktop.ui.icons import ICON_SIZES, app_icon


def test_the_icon_has_every_size_sharp(qapp: QApplication) -> None:
    icon = app_icon()
    assert sorted(size.width() for size in icon.availableSizes()) == sorted(ICON_SIZES)
    for size in ICON_SIZES:
        pixmap = icon.pixmap(QSize(size, size))
        assert pixmap.size() == QSize(size, size)
        image = pixmap.toImage()
        assert image.pixelColor(size // 2, size // 2).alpha() == 255  # the tile, not a blank square
        assert image.pixelColor(0, 0).alpha() < 255  # rounded corners


def test_the_svg_ships_beside_the_pngs() -> None:
    folder = resources.files("resources").joinpath("icons")
    assert folder.joinpath("hearth.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_the_application_shows_hearths_icon() -> None:
    from desktop.ui.application import application

    assert not application().windowIcon().isNull()
