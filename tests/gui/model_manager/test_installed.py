"""The Installed tab: details and provenance of every model, fit badges, import (copy or link),
models found in other tools' folders, delete with confirmation, and choosing a model."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.model_manager import ModelManagerWindow
from desktop.ui.model_manager.installed_tab import COLUMNS, FIT_COLUMN, InstalledTab
from models.hub import DownloadManager
from models.library import Library
from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.hub_fixtures import HubModels, publish
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model
from tests.gui.model_manager.conftest import LONG, REPO, MakeManager, request_for


def cell(tab: InstalledTab, name: str, column: str) -> str:
    row = tab.row_of(name)
    assert row >= 0, f"{name} is not listed"
    return tab.table.item(row, COLUMNS.index(column)).text()


def wait_inspected(tab: InstalledTab, qtbot: QtBot) -> None:
    """Headers are read and fit estimated in the background: wait until every badge is in."""
    qtbot.waitUntil(
        lambda: all(tab.table.item(r, FIT_COLUMN).text() not in ("", "…") for r in range(tab.table.rowCount())),
        timeout=LONG,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_installed_models_show_details_provenance_and_fit(
    fake_hub: FakeHub, hub_models: HubModels, downloads: DownloadManager, library: Library,
    make_manager: MakeManager, qtbot: QtBot, tmp_path: Path,
) -> None:
    published = publish(fake_hub, REPO, hub_models.small)
    assert downloads.wait(downloads.enqueue(request_for("Tiny-Q4_K_M.gguf")), timeout=30).state == "done"
    plain = write_tiny_model(tmp_path / "plain.gguf", TinyModelSpec(chat_template=None, context_length=4096))
    library.import_file(plain)

    tab = make_manager().installed_tab
    wait_inspected(tab, qtbot)
    assert [m.name for m in tab.models] == ["plain", "Tiny-Q4_K_M"]
    assert tab.summary.text().startswith("2 models")
    assert cell(tab, "Tiny-Q4_K_M", "Architecture") == "llama"
    assert cell(tab, "Tiny-Q4_K_M", "Quantization") == "Q4_K_M"
    assert cell(tab, "Tiny-Q4_K_M", "Context") == "2,048"
    assert cell(tab, "Tiny-Q4_K_M", "Chat template") == "yes"
    assert cell(tab, "Tiny-Q4_K_M", "Parameters").endswith("K")
    assert cell(tab, "Tiny-Q4_K_M", "Source") == REPO
    assert cell(tab, "plain", "Chat template") == "none"
    assert cell(tab, "plain", "Source") == "imported (copy)"
    assert cell(tab, "plain", "Quantization") == "F32"  # no label in the name: read from general.file_type

    row = tab.row_of("Tiny-Q4_K_M")
    fit = tab.table.item(row, FIT_COLUMN)
    assert fit.text() == "● fits"  # a few hundred KB fit any machine that runs these tests
    assert "GiB of RAM" in fit.toolTip() or "memory" in fit.toolTip()
    assert "4,096-token" not in fit.toolTip() and "2,048-token context" in fit.toolTip()  # trained context < cap
    provenance = tab.table.item(row, COLUMNS.index("Source")).toolTip()
    assert f"revision {fake_hub.repos[REPO].commit[:12]}" in provenance and published.sha256[:12] in provenance

    tab.select("Tiny-Q4_K_M")
    details = tab.details.text()
    assert published.sha256 in details and REPO in details and "Tiny Llama" in details
    assert "Family: ChatML · template: model" in details  # the tiny model speaks ChatML


def test_details_show_family_and_active_parameters_of_a_mixture_of_experts(
    manager_window: ModelManagerWindow, library: Library, tmp_path: Path, qtbot: QtBot
) -> None:
    from tests.fixtures.families import FAMILY_MODELS_BY_KEY, write_family_model

    library.import_file(write_family_model(tmp_path / "qwen3moe.gguf", FAMILY_MODELS_BY_KEY["qwen3moe"]))
    tab = manager_window.installed_tab
    tab.refresh()
    qtbot.waitUntil(lambda: (tab.select("qwen3moe"), "Family:" in tab.details.text())[1], timeout=30_000)
    details = tab.details.text()
    assert "Family: Qwen 3" in details and "mixture of experts: 2 of 4 experts" in details
    assert "reasoning: think (can be switched off)" in details


def test_choosing_a_model_emits_its_path(
    manager_window: ModelManagerWindow, library: Library, tmp_path: Path, qtbot: QtBot
) -> None:
    model = library.import_file(write_tiny_model(tmp_path / "pick-me.gguf"))
    tab = manager_window.installed_tab
    tab.refresh()
    tab.select("pick-me")
    with qtbot.waitSignal(manager_window.model_chosen) as chosen:
        qtbot.mouseClick(tab.use_button, Qt.MouseButton.LeftButton)
    assert chosen.args == [model.path]
    tab.set_current_model(model.path)
    assert cell(tab, "pick-me", "Name") == "pick-me  · loaded"


def test_import_copies_or_links_as_the_user_chooses(
    manager_window: ModelManagerWindow, library: Library, tmp_path: Path, qtbot: QtBot
) -> None:
    tab = manager_window.installed_tab
    (tmp_path / "elsewhere").mkdir()
    source = write_tiny_model(tmp_path / "elsewhere" / "Mine-Q8_0.gguf")
    tab.choose_file = lambda: source
    tab.choose_import_mode = lambda path: "copy"
    with qtbot.waitSignal(manager_window.library_changed, timeout=LONG):
        qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    copied = library.find("Mine-Q8_0")
    assert copied.origin == "copied" and copied.path == library.root / "imported" / "Mine-Q8_0.gguf"
    assert sha256(copied.path) == sha256(source) == copied.files[0].sha256
    assert "copied into Hearth's folder" in tab.message.text()

    linked_source = write_tiny_model(tmp_path / "elsewhere" / "Linked-Q4_0.gguf", TinyModelSpec(seed=3))
    tab.choose_file = lambda: linked_source
    tab.choose_import_mode = lambda path: "link"
    with qtbot.waitSignal(manager_window.library_changed, timeout=LONG):
        qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    linked = library.find("Linked-Q4_0")
    assert linked.origin == "linked" and linked.path == linked_source
    assert not (library.root / "imported" / "Linked-Q4_0.gguf").exists()
    qtbot.waitUntil(lambda: tab.row_of("Linked-Q4_0") >= 0)
    assert cell(tab, "Linked-Q4_0", "Source").startswith("linked")


def test_an_embedding_model_is_imported_with_its_own_checks_not_the_template_doctors(
    manager_window: ModelManagerWindow, library: Library, tmp_path: Path, qtbot: QtBot,
    starter_embedding_cache: Path | None,
) -> None:
    assert starter_embedding_cache is not None
    tab = manager_window.installed_tab
    tab.choose_file = lambda: starter_embedding_cache / "all-MiniLM-L6-v2.F16.gguf"
    tab.choose_import_mode = lambda path: "link"
    with qtbot.waitSignal(manager_window.library_changed, timeout=LONG):
        qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    text = tab.message.text()
    assert "An embedding model for document search: mean pooling, 384 dimensions, test embedding passed." in text
    assert "template" not in text and not tab.message.is_error


def test_import_refuses_a_broken_file_and_says_why(
    manager_window: ModelManagerWindow, library: Library, tmp_path: Path, qtbot: QtBot
) -> None:
    tab = manager_window.installed_tab
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + os.urandom(64))
    tab.choose_file = lambda: broken
    tab.choose_import_mode = lambda path: "copy"
    with qtbot.assertNotEmitted(manager_window.library_changed, wait=0):
        qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tab.message.is_error, timeout=LONG)
    assert tab.message.text().startswith("Cannot use model broken.gguf:")
    assert library.models() == [] and tab.import_button.isEnabled()


def test_cancelling_an_import_does_nothing(manager_window: ModelManagerWindow, library: Library) -> None:
    tab = manager_window.installed_tab
    asked: list[Path] = []
    tab.choose_file = lambda: Path("/nowhere/x.gguf")
    tab.choose_import_mode = lambda path: asked.append(path)  # returns None: the user cancelled
    tab.import_model()
    tab.choose_file = lambda: None
    tab.import_model()
    assert asked == [Path("/nowhere/x.gguf")] and library.models() == []
    assert tab.message.isHidden() and tab.import_button.isEnabled()  # no import was started


def test_discover_finds_other_tools_models_and_adds_them_without_copying(
    manager_window: ModelManagerWindow, library: Library, other_tools_folders: dict[str, Path],
    hub_models: HubModels, qtbot: QtBot,
) -> None:
    # The Hugging Face cache's layout: snapshots link to blobs named by their sha256.
    repo_dir = other_tools_folders["hf_cache"] / "models--acme--Tiny-GGUF"
    blob = repo_dir / "blobs" / sha256(hub_models.small)
    blob.parent.mkdir(parents=True)
    blob.write_bytes(hub_models.small.read_bytes())
    snapshot = repo_dir / "snapshots" / ("ab" * 20)
    snapshot.mkdir(parents=True)
    (snapshot / "Tiny-Q4_K_M.gguf").symlink_to(blob)
    studio = other_tools_folders["lm_studio"] / "someone" / "Other-GGUF"
    studio.mkdir(parents=True)
    write_tiny_model(studio / "Other-Q5_K_M.gguf", TinyModelSpec(seed=4))

    tab = manager_window.installed_tab
    panel = tab.discover_panel
    qtbot.mouseClick(tab.discover_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.add_buttons) == 2, timeout=LONG)
    assert panel.isVisible() and "nothing is copied" in panel.title.text()
    assert [(m.name, m.source) for m in panel.found] == [("Tiny-Q4_K_M", "hf-cache"), ("Other-Q5_K_M", "lm-studio")]

    with qtbot.waitSignal(manager_window.library_changed, timeout=LONG):
        qtbot.mouseClick(panel.add_buttons[str(snapshot / "Tiny-Q4_K_M.gguf")], Qt.MouseButton.LeftButton)
    added = library.find("Tiny-Q4_K_M")
    assert added.origin == "linked" and added.repo == REPO and added.revision == "ab" * 20
    assert added.files[0].sha256 == sha256(hub_models.small)
    assert not (library.root / "imported").exists()  # nothing copied
    assert panel.add_buttons[str(snapshot / "Tiny-Q4_K_M.gguf")].text() == "Added ✓"
    qtbot.waitUntil(lambda: tab.row_of("Tiny-Q4_K_M") >= 0)
    assert "nothing was copied" in tab.message.text()

    qtbot.mouseClick(tab.discover_button, Qt.MouseButton.LeftButton)  # what the library holds is not offered again
    qtbot.waitUntil(lambda: [m.name for m in panel.found] == ["Other-Q5_K_M"], timeout=LONG)


def test_discover_says_when_nothing_is_found(manager_window: ModelManagerWindow, qtbot: QtBot) -> None:
    panel = manager_window.installed_tab.discover_panel
    manager_window.installed_tab.discover()
    qtbot.waitUntil(lambda: panel.title.text().startswith("No GGUF models"), timeout=LONG)
    assert panel.table.isHidden()


def test_delete_asks_first_then_removes_files_and_row(
    manager_window: ModelManagerWindow, library: Library, tmp_path: Path, qtbot: QtBot
) -> None:
    copied = library.import_file(write_tiny_model(tmp_path / "doomed.gguf"))
    linked_source = write_tiny_model(tmp_path / "keep-me.gguf", TinyModelSpec(seed=5))
    library.import_file(linked_source, link=True)
    tab = manager_window.installed_tab
    tab.refresh()
    questions: list[str] = []

    tab.confirm = lambda title, text: questions.append(text) is not None  # says no
    tab.select("doomed")
    with qtbot.assertNotEmitted(manager_window.library_changed, wait=0):
        qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    assert copied.path.exists() and tab.row_of("doomed") >= 0
    assert "deleted from disk" in questions[0] and "Conversations that used it stay" in questions[0]

    tab.confirm = lambda title, text: questions.append(text) is None  # says yes
    with qtbot.waitSignal(manager_window.library_changed):
        qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    assert not copied.path.exists() and [m.name for m in library.models()] == ["keep-me"]
    assert tab.row_of("doomed") == -1 and tab.message.text().startswith("Deleted doomed and freed")

    tab.select("keep-me")
    with qtbot.waitSignal(manager_window.library_changed):
        qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    assert "Its file stays where it is" in questions[-1]
    assert linked_source.exists() and library.models() == [] and tab.row_of("keep-me") == -1


def test_safe_mode_after_a_crash_is_shown_and_can_be_cleared(
    library: Library, make_manager: MakeManager, qtbot: QtBot, tmp_path: Path, hearth_home: Path
) -> None:
    from models.engine import SafeModeMemory

    model = library.import_file(write_tiny_model(tmp_path / "crashy.gguf"))
    memory = SafeModeMemory(hearth_home / "safe_mode.json")
    memory.choose(model.path, "while answering with crashy on CPU")
    memory.confirm(model.path)
    tab = make_manager(safe_modes=memory).installed_tab
    wait_inspected(tab, qtbot)
    assert tab.select("crashy")
    assert "Safe mode since" in tab.details.text()
    assert "after Hearth stopped unexpectedly while answering with crashy on CPU" in tab.details.text()
    assert "it works, so Hearth keeps using it" in tab.details.text()
    assert tab.safe_mode_button.isVisible()
    qtbot.mouseClick(tab.safe_mode_button, Qt.MouseButton.LeftButton)
    assert memory.get(model.path) is None
    assert "Safe mode is off for crashy" in tab.message.text()
    assert not tab.safe_mode_button.isVisible() and "Safe mode" not in tab.details.text()
