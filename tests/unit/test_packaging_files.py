"""The Linux desktop files in packaging/: consistent with the app and with each other, and valid
where the freedesktop validators are installed (desktop-file-utils, appstream)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from desktop import __version__

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
DESKTOP_FILE = PACKAGING / "hearth.desktop"
METAINFO = PACKAGING / "io.github.hearth.Hearth.metainfo.xml"


def test_the_menu_entry_starts_hearth_with_its_icon() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Exec"] == "hearth" and entry["Icon"] == "hearth"
    # Matches app.setDesktopFileName("hearth") (Wayland's app id) and the WM_CLASS instance on X11,
    # so the running window is grouped under this entry and shows its icon.
    assert entry["StartupWMClass"] == "hearth" and DESKTOP_FILE.stem == "hearth"


def test_the_appstream_file_describes_this_release() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == METAINFO.name.removesuffix(".metainfo.xml")
    assert root.findtext("launchable") == DESKTOP_FILE.name
    versions = [release.get("version") for release in root.iter("release")]
    assert versions[0] == __version__, "add a <release> for the new version to the metainfo file"
    images = [image.text or "" for image in root.iter("image")]
    assert [Path(url).name for url in images] == ["screenshot-light.png", "screenshot-dark.png"]


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed")
def test_the_desktop_file_is_valid() -> None:
    result = subprocess.run(["desktop-file-validate", str(DESKTOP_FILE)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream is not installed")
def test_the_metainfo_file_is_valid() -> None:
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
