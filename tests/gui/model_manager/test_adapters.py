"""LoRA adapters in the model manager: imported after a check against a model, listed under it."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from models.library import AdapterLibrary, Library
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_adapter, write_tiny_model
from tests.gui.model_manager.conftest import LONG, MakeManager


def test_import_an_adapter_under_the_model_it_fits(
    library: Library, make_manager: MakeManager, qtbot: QtBot, tmp_path: Path
) -> None:
    library.import_file(write_tiny_model(tmp_path / "small.gguf"))
    library.import_file(write_tiny_model(tmp_path / "wide.gguf", TinyModelSpec(n_embd=128, n_ff=256)))
    tab = make_manager().installed_tab
    panel = tab.adapters_panel
    assert panel.adapter_names() == {}
    tab.select("wide")  # tried first, but the adapter does not fit it: the model it fits is used
    panel.choose_file = lambda: write_tiny_adapter(tmp_path / "style.gguf")
    with qtbot.waitSignal(panel.adapters_changed, timeout=LONG):
        panel.import_button.click()
    assert panel.adapter_names() == {"small": ["style"]}
    assert "Added the adapter style to small" in panel.message.text()
    assert [a.base_model for a in AdapterLibrary(library.root).adapters()] == ["small"]
    assert [m.name for m in library.models()] == ["small", "wide"]  # an adapter is no model of its own

    panel.choose_file = lambda: write_tiny_adapter(tmp_path / "odd.gguf", base=TinyModelSpec(n_embd=32, n_ff=64))
    panel.import_button.click()
    qtbot.waitUntil(lambda: panel.message.is_error, timeout=LONG)
    assert "odd.gguf fits none of the installed models" in panel.message.text()
    assert panel.import_button.isEnabled()

    panel.tree.setCurrentItem(panel.tree.topLevelItem(0).child(0))
    panel.delete_button.click()
    assert panel.adapter_names() == {} and AdapterLibrary(library.root).adapters() == []
