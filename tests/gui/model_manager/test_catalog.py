"""The Recommended tab: the curated catalog with its details and approximate fit, and a download
that takes its size and sha256 from the Hub."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.model_manager.catalog_tab import COLUMNS, FIT_COLUMN, CatalogTab
from models.errors import HubOfflineError
from models.fit import CatalogEntry, load_catalog
from models.hub import HubClient
from models.library import Library
from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.hub_fixtures import HubModels, publish
from tests.gui.model_manager.conftest import LONG, REPO, MakeManager

TINY = CatalogEntry(
    id="tiny-test",
    family="Llama",
    name="Tiny Test",
    repo=REPO,
    files={"Q4_K_M": "Tiny-Q4_K_M.gguf", "Q8_0": "Tiny-Q8_0.gguf"},
    default_quant="Q4_K_M",
    parameters=100_000,
    context_length=2048,
    licence="apache-2.0",
    small=True,
    description="A tiny random model published on the fake Hub.",
)


def row_text(tab: CatalogTab, entry_id: str, column: str) -> str:
    row = tab.visible_ids().index(entry_id)
    return tab.table.item(row, COLUMNS.index(column)).text()


def test_the_catalog_lists_every_entry_with_its_facts(make_manager: MakeManager, qtbot: QtBot) -> None:
    catalog = load_catalog()
    tab = make_manager().catalog_tab
    assert tab.visible_ids() == [e.id for e in catalog]
    first = catalog[0]
    assert row_text(tab, first.id, "Name") == first.name
    assert row_text(tab, first.id, "Licence") == first.licence
    assert row_text(tab, first.id, "Description") == first.description
    assert row_text(tab, first.id, "Size").startswith("~")
    qtbot.waitUntil(lambda: tab.table.item(0, FIT_COLUMN).text().startswith("● "), timeout=LONG)
    assert "from the file size alone" in tab.table.item(0, FIT_COLUMN).toolTip()

    tab.select(first.id)
    assert [tab.quant_box.itemText(i) for i in range(tab.quant_box.count())] == list(first.files)
    assert tab.quant_box.currentText() == first.default_quant
    assert first.repo in tab.details.text() and first.default_file in tab.details.text()

    tab.small_only.setChecked(True)
    assert tab.visible_ids() == [e.id for e in catalog if e.small] and len(tab.visible_ids()) < len(catalog)


def test_a_catalog_download_is_verified_and_installed(
    fake_hub: FakeHub, hub_models: HubModels, make_manager: MakeManager, library: Library, qtbot: QtBot
) -> None:
    publish(fake_hub, REPO, hub_models.small)
    q8 = publish(fake_hub, REPO, hub_models.small_q8)
    window = make_manager(catalog=[TINY, *load_catalog()])
    tab = window.catalog_tab
    assert tab.select("tiny-test")
    tab.quant_box.setCurrentText("Q8_0")
    assert "<b>Q8_0</b>" in tab.details.text()
    with qtbot.waitSignal(window.library_changed, timeout=LONG):
        qtbot.mouseClick(tab.download_button, Qt.MouseButton.LeftButton)
    installed = library.find("Tiny-Q8_0")
    assert installed.repo == REPO and installed.files[0].sha256 == q8.sha256
    assert "follow it in the Downloads tab" in tab.message.text()
    qtbot.waitUntil(lambda: window.installed_tab.row_of("Tiny-Q8_0") >= 0)


def test_a_catalog_repo_missing_from_the_hub_says_so(
    fake_hub: FakeHub, make_manager: MakeManager, library: Library, qtbot: QtBot
) -> None:
    window = make_manager(catalog=[replace(TINY, repo="acme/Gone-GGUF")])
    tab = window.catalog_tab
    qtbot.mouseClick(tab.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.message.is_error, timeout=LONG)
    assert "acme/Gone-GGUF does not exist on the Hub" in tab.message.text()
    assert tab.download_button.isEnabled() and library.models() == []


def test_without_the_hub_the_catalog_still_lists_and_explains(make_manager: MakeManager, qtbot: QtBot) -> None:
    tab = make_manager().catalog_tab  # HF_HUB_OFFLINE=1 for every test without the fake Hub
    entry = tab.selected_entry()
    assert entry is not None
    with pytest.raises(HubOfflineError) as offline:
        HubClient().listing(entry.repo)
    tab.download_selected()
    qtbot.waitUntil(lambda: tab.message.is_error, timeout=LONG)
    assert tab.message.text() == str(offline.value)


def test_a_recommendation_downloads_and_shows_the_queue(
    fake_hub: FakeHub, hub_models: HubModels, make_manager: MakeManager, library: Library, qtbot: QtBot
) -> None:
    """What the first-run welcome does with the model it suggests."""
    publish(fake_hub, REPO, hub_models.small)
    window = make_manager(catalog=[*load_catalog(), TINY])
    with qtbot.waitSignal(window.library_changed, timeout=LONG):
        window.download_catalog_entry(TINY)
    assert window.tabs.currentWidget() is window.downloads_tab
    assert library.find("Tiny-Q4_K_M").repo == REPO

    window.download_catalog_entry(replace(TINY, id="gone", repo="acme/Gone-GGUF"))
    qtbot.waitUntil(lambda: window.catalog_tab.message.is_error, timeout=LONG)
    assert window.tabs.currentWidget() is window.catalog_tab  # the reason is shown where it happened
