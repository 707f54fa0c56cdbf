"""Say plainly why Qt cannot open a window, before Qt aborts the process saying it obscurely.

Qt's X11 plugin needs system libraries pip cannot install; without them Qt prints "Could not
load the Qt platform plugin xcb" and aborts. This check runs first and names the fix.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

# The libraries Qt 6's xcb plugin links (ldd libQt6XcbQpa.so) that minimal systems lack,
# by their names for ctypes.util.find_library.
XCB_LIBRARIES = ("xcb-cursor", "xcb-icccm", "xcb-image", "xcb-keysyms", "xcb-randr", "xcb-render-util",
                 "xcb-shape", "xcb-sync", "xcb-xfixes", "xcb-xkb", "xkbcommon-x11", "EGL")
DEBIAN_PACKAGES = ("libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 "
                   "libxcb-render-util0 libxcb-shape0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1 "
                   "libxkbcommon-x11-0 libegl1")


def qt_platform_problem() -> str | None:
    """A message for the user if the window cannot open on this system, else None."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland, vnc...: Qt's own checks apply
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None
    if not os.environ.get("DISPLAY"):
        return ("Hearth cannot open its window: there is no display (DISPLAY is not set). "
                "Run it from a desktop session, or use the `hearth chat` command in a terminal.")
    missing = [name for name in XCB_LIBRARIES if ctypes.util.find_library(name) is None]
    if missing:
        return ("Hearth cannot open its window: the system lacks libraries Qt needs "
                f"({', '.join('lib' + m for m in missing)}). On Debian or Ubuntu, install them with:\n"
                f"  sudo apt-get install -y {DEBIAN_PACKAGES}")
    return None
