"""Render resources/icons/hearth.svg into the PNG sizes desktops ask for.

    .venv/bin/python packaging/make_icons.py

The PNGs are committed: the window, the bundle and the Linux icon theme use them without
needing Qt's SVG plugin at run time. Run this again after changing the SVG.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# No display is needed to rasterise; set before Qt starts.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
# hicolor sizes: 16-48 for menus, panels and title bars; 64-512 for launchers, docks and HiDPI.
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv)
    renderer = QSvgRenderer(str(ICONS / "hearth.svg"))
    if not renderer.isValid():
        print(f"Cannot read {ICONS / 'hearth.svg'}", file=sys.stderr)
        return 1
    for size in SIZES:
        target = ICONS / f"hearth-{size}.png"
        if not render(renderer, size).save(str(target), "PNG"):
            print(f"Cannot write {target}", file=sys.stderr)
            return 1
        print(target.relative_to(ICONS.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
