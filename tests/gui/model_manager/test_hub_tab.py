"""The Hugging Face tab against the fake Hub: sorted search, a repo's files with quantization,
size and fit (split files as one model), and plain messages for gated, missing and offline."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.model_manager import ModelManagerWindow
from desktop.ui.model_manager.hub_tab import FILE_COLUMNS, FIT_COLUMN, HubTab
from desktop.ui.model_manager.installed_tab import FIT_COLUMN as INSTALLED_FIT_COLUMN
from models.errors import HubOfflineError
from models.hub import HubClient, gated_message
from models.library import Library
from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.hub_fixtures import TOKEN, HubModels, publish
from tests.gui.model_manager.conftest import LONG, REPO, MakeManager

SPLIT_FIRST = "Split-Q4_K_M/Split-Q4_K_M-00001-of-00003.gguf"


def publish_repos(hub: FakeHub, models: HubModels) -> None:
    hub.add_repo(REPO, downloads=50, likes=1, created_at="2025-02-01T00:00:00.000Z")
    publish(hub, REPO, models.small)
    publish(hub, REPO, models.small_q8)
    publish(hub, REPO, models.small, name="mmproj-Tiny-F16.gguf")
    for part in models.split:
        publish(hub, REPO, part, name=f"Split-Q4_K_M/{part.name}")
    hub.add_repo("beta/Tiny-Chat-GGUF", downloads=500, likes=0, created_at="2025-03-01T00:00:00.000Z")
    publish(hub, "beta/Tiny-Chat-GGUF", models.small)
    hub.add_repo("gamma/Tiny-Old-GGUF", downloads=5, likes=99, created_at="2024-01-01T00:00:00.000Z")
    publish(hub, "gamma/Tiny-Old-GGUF", models.small)
    hub.add_repo("other/Unrelated-GGUF", downloads=10_000)
    publish(hub, "other/Unrelated-GGUF", models.small)


def search(tab: HubTab, qtbot: QtBot, query: str, sort: str = "Most downloaded") -> list[str]:
    tab.query.setText(query)
    tab.sort_box.setCurrentText(sort)
    with qtbot.waitSignal(tab._context.tasks.idle, timeout=LONG):
        qtbot.mouseClick(tab.search_button, Qt.MouseButton.LeftButton)
    return tab.result_ids()


def open_repo(tab: HubTab, qtbot: QtBot, repo: str) -> None:
    tab.open_repo(repo)
    qtbot.waitUntil(lambda: tab.listing is not None and tab.listing.repo_id == repo, timeout=LONG)


def fits_known(tab: HubTab) -> bool:
    fits = [tab.files.item(r, FIT_COLUMN).text() for r in range(tab.files.rowCount())]
    return tab.listing is not None and bool(fits) and "…" not in fits


def file_cell(tab: HubTab, path: str, column: str) -> str:
    return tab.files.item(tab.file_paths().index(path), FILE_COLUMNS.index(column)).text()


def test_search_lists_gguf_repos_in_the_chosen_order(
    fake_hub: FakeHub, hub_models: HubModels, manager_window: ModelManagerWindow, qtbot: QtBot
) -> None:
    publish_repos(fake_hub, hub_models)
    tab = manager_window.hub_tab
    assert search(tab, qtbot, "tiny") == ["beta/Tiny-Chat-GGUF", REPO, "gamma/Tiny-Old-GGUF"]
    assert tab.results.item(0, 1).text() == "500"
    assert search(tab, qtbot, "tiny", "Most liked") == ["gamma/Tiny-Old-GGUF", REPO, "beta/Tiny-Chat-GGUF"]
    assert search(tab, qtbot, "tiny", "Newest") == ["beta/Tiny-Chat-GGUF", REPO, "gamma/Tiny-Old-GGUF"]
    assert search(tab, qtbot, "nothing-like-this") == []
    assert tab.message.text() == "No GGUF repositories match “nothing-like-this”."


def test_a_repo_lists_every_model_with_quantization_size_and_fit(
    fake_hub: FakeHub, hub_models: HubModels, manager_window: ModelManagerWindow, library: Library, qtbot: QtBot
) -> None:
    publish_repos(fake_hub, hub_models)
    tab = manager_window.hub_tab
    search(tab, qtbot, "Tiny-GGUF")
    tab.results.selectRow(tab.result_ids().index(REPO))
    qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: fits_known(tab), timeout=LONG)
    expected = ["Tiny-Q4_K_M.gguf", "Tiny-Q8_0.gguf", "mmproj-Tiny-F16.gguf", SPLIT_FIRST]
    assert sorted(tab.file_paths()) == sorted(expected)
    assert tab.repo_title.text() == f"{REPO} at {fake_hub.repos[REPO].commit[:12]}"
    assert file_cell(tab, "Tiny-Q8_0.gguf", "Quantization") == "Q8_0"
    assert file_cell(tab, SPLIT_FIRST, "Quantization") == "Q4_K_M"
    assert file_cell(tab, SPLIT_FIRST, "Parts") == "3 (split, one model)"  # three files, one row
    split_size = sum(p.stat().st_size for p in hub_models.split)
    split_row = tab.file_paths().index(SPLIT_FIRST)
    assert tab.files.item(split_row, FILE_COLUMNS.index("Size")).toolTip() == f"{split_size:,} bytes"
    assert file_cell(tab, "Tiny-Q4_K_M.gguf", "Fit") == "● fits"
    assert file_cell(tab, SPLIT_FIRST, "Fit") == "● fits"
    assert file_cell(tab, "mmproj-Tiny-F16.gguf", "Fit") == "projector"
    fit_tip = tab.files.item(tab.file_paths().index("Tiny-Q4_K_M.gguf"), FIT_COLUMN).toolTip()
    assert "2,048-token context" in fit_tip and "file size alone" not in fit_tip  # the real header was read
    header_reads = [r for r in fake_hub.ranges_requested("Tiny-Q4_K_M.gguf") if r is not None]
    assert header_reads and header_reads[0].startswith("bytes=0-")  # a Range request, not the whole file

    tab.select_file("mmproj-Tiny-F16.gguf")
    assert not tab.download_button.isEnabled()
    tab.select_file(SPLIT_FIRST)
    with qtbot.waitSignal(manager_window.library_changed, timeout=LONG):
        qtbot.mouseClick(tab.download_button, Qt.MouseButton.LeftButton)
    model = library.find("Split-Q4_K_M")
    assert len(model.files) == 3 and model.size == split_size
    assert [f.repo_path for f in model.files] == [f"Split-Q4_K_M/{p.name}" for p in hub_models.split]


def test_fit_is_judged_at_the_context_the_engine_would_use(
    fake_hub: FakeHub, hub_models: HubModels, make_manager: MakeManager, library: Library, qtbot: QtBot
) -> None:
    publish(fake_hub, REPO, hub_models.small)  # trained for 2,048 tokens
    library.import_file(hub_models.small)
    window = make_manager(max_context=1024)
    tab = window.hub_tab
    open_repo(tab, qtbot, REPO)
    qtbot.waitUntil(lambda: fits_known(tab), timeout=LONG)
    assert "at a 1,024-token context" in tab.files.item(0, FIT_COLUMN).toolTip()

    installed = window.installed_tab.table
    qtbot.waitUntil(lambda: "1,024-token" in installed.item(0, INSTALLED_FIT_COLUMN).toolTip(), timeout=LONG)
    window.set_max_context(8192)  # the settings raised the cap: the trained context is the limit
    qtbot.waitUntil(lambda: "2,048-token" in installed.item(0, INSTALLED_FIT_COLUMN).toolTip(), timeout=LONG)


def test_a_gated_repo_says_what_to_do(
    fake_hub: FakeHub, hub_models: HubModels, manager_window: ModelManagerWindow, qtbot: QtBot
) -> None:
    fake_hub.add_repo("meta/Gated-GGUF", gated=True)
    publish(fake_hub, "meta/Gated-GGUF", hub_models.small)
    tab = manager_window.hub_tab
    assert search(tab, qtbot, "Gated") == ["meta/Gated-GGUF"]
    assert tab.results.item(0, 4).text() == "gated: licence to accept"
    assert "Not signed in" in tab.account.text()
    qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.repo_message.is_error, timeout=LONG)
    assert tab.repo_message.text() == gated_message("meta/Gated-GGUF")
    qtbot.waitUntil(lambda: file_cell(tab, "Tiny-Q4_K_M.gguf", "Fit") != "…", timeout=LONG)
    assert "file size alone" in tab.files.item(0, FIT_COLUMN).toolTip()  # no header without access


def test_a_gated_repo_uses_the_token_when_there_is_one(
    fake_hub: FakeHub, hub_models: HubModels, make_manager: MakeManager, library: Library, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    fake_hub.add_repo("meta/Gated-GGUF", gated=True)
    publish(fake_hub, "meta/Gated-GGUF", hub_models.small)
    window = make_manager()
    tab = window.hub_tab
    qtbot.waitUntil(lambda: tab.account.text().startswith("Signed in"), timeout=LONG)
    open_repo(tab, qtbot, "meta/Gated-GGUF")
    assert not tab.repo_message.is_error and "sends your Hugging Face token" in tab.repo_message.text()
    with qtbot.waitSignal(window.library_changed, timeout=LONG):
        qtbot.mouseClick(tab.download_button, Qt.MouseButton.LeftButton)
    assert library.find("Tiny-Q4_K_M").repo == "meta/Gated-GGUF"
    auth = [r.authorization for r in fake_hub.requests if "/resolve/" in r.path]
    assert auth and set(auth) == {f"Bearer {TOKEN}"}


def test_a_missing_repo_says_so(fake_hub: FakeHub, manager_window: ModelManagerWindow, qtbot: QtBot) -> None:
    tab = manager_window.hub_tab
    tab.query.setText("nobody/Missing-GGUF")
    qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.repo_message.is_error, timeout=LONG)
    assert "nobody/Missing-GGUF does not exist on the Hub, or it is private" in tab.repo_message.text()
    assert tab.files.rowCount() == 0 and not tab.download_button.isEnabled()


def test_offline_search_explains_itself(manager_window: ModelManagerWindow, qtbot: QtBot) -> None:
    tab = manager_window.hub_tab  # every test without the fake Hub runs with HF_HUB_OFFLINE=1
    with pytest.raises(HubOfflineError) as offline:
        HubClient().search("llama")
    search(tab, qtbot, "llama")
    assert tab.message.is_error and tab.message.text() == str(offline.value)
