"""The model manager beside the real Hearth window: a model downloaded in the manager appears in
the header's list, and choosing it loads it on the engine thread."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.app import available_models
from desktop.paths import AppPaths
from desktop.ui.main_window import MainWindow
from desktop.ui.model_manager import ModelServices
from models.fit import FitCorrections
from models.hub import DownloadManager, HubClient
from models.library import Library
from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.hub_fixtures import HubModels, publish
from tests.gui.model_manager.conftest import FAST, LONG, REPO


def header_names(window: MainWindow) -> list[str]:
    selector = window.header.model_selector
    return [selector.itemText(i) for i in range(selector.count())]


def test_a_model_from_the_manager_loads_in_the_window(
    fake_hub: FakeHub, hub_models: HubModels, window: MainWindow, qtbot: QtBot
) -> None:
    paths = AppPaths.default()
    library = Library(paths.models)
    hub = HubClient()
    downloads = DownloadManager(library, hub, FAST)
    window.model_services = ModelServices(  # the services over this test's fake Hub
        library, downloads, hub, FitCorrections(paths.fit_corrections), 8192,
        lambda: available_models(paths),
    )
    publish(fake_hub, REPO, hub_models.small)
    dialog = window.open_model_manager("hub")
    try:
        assert dialog.isVisible() and dialog.tabs.currentWidget() is dialog.hub_tab
        assert window.open_model_manager() is dialog  # one window, shown again
        installed = dialog.installed_tab
        assert installed.table.item(installed.row_of("tiny-a"), 0).text() == "tiny-a  · loaded"
        assert "Tiny-Q4_K_M" not in header_names(window)

        dialog.hub_tab.open_repo(REPO)
        qtbot.waitUntil(lambda: dialog.hub_tab.select_file("Tiny-Q4_K_M.gguf"), timeout=LONG)
        with qtbot.waitSignal(dialog.library_changed, timeout=LONG):
            qtbot.mouseClick(dialog.hub_tab.download_button, Qt.MouseButton.LeftButton)
        assert "Tiny-Q4_K_M" in header_names(window)
        assert window.header.model_selector.currentText() == "tiny-a"  # the loaded model stays selected

        model = library.find("Tiny-Q4_K_M")
        qtbot.waitUntil(lambda: installed.select("Tiny-Q4_K_M"))
        with qtbot.waitSignal(window.bridge.model_loaded, timeout=LONG) as loaded:
            qtbot.mouseClick(installed.use_button, Qt.MouseButton.LeftButton)
        assert loaded.args[0].path == model.path
        assert window.header.model_selector.currentText() == "Tiny-Q4_K_M"
        assert installed.table.item(installed.row_of("Tiny-Q4_K_M"), 0).text() == "Tiny-Q4_K_M  · loaded"
    finally:
        dialog.shutdown()
        downloads.shutdown()


def test_fit_colours_follow_the_theme(window: MainWindow, qtbot: QtBot) -> None:
    from desktop.ui.model_manager.installed_tab import FIT_COLUMN
    from desktop.ui.model_manager.widgets import fit_colour

    paths = AppPaths.default()
    library = Library(paths.models)
    hub = HubClient()
    downloads = DownloadManager(library, hub, FAST)
    window.model_services = ModelServices(
        library, downloads, hub, FitCorrections(paths.fit_corrections), 8192, lambda: available_models(paths)
    )
    dialog = window.open_model_manager()
    try:
        table = dialog.installed_tab.table
        qtbot.waitUntil(lambda: table.item(table.rowCount() - 1, FIT_COLUMN).text() == "● fits", timeout=LONG)
        badge = table.item(table.rowCount() - 1, FIT_COLUMN)
        for theme, dark in (("light", False), ("dark", True), ("light", False)):
            window.theme.set_theme(theme)
            qtbot.waitUntil(lambda dark=dark: badge.foreground().color() == fit_colour("fits", dark), timeout=LONG)
    finally:
        window.theme.set_theme("system")
        dialog.shutdown()
        downloads.shutdown()
