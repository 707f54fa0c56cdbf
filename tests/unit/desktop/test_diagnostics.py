import logging
import stat
from pathlib import Path

from desktop.diagnostics import diagnostics
from desktop.logs import configure_file_logging
from desktop.paths import AppPaths
from desktop.settings import AppSettings
from models.engine import Engine


def test_diagnostics_name_versions_backend_and_model_but_no_chat_text(tiny_model: Path) -> None:
    engine = Engine()
    info = engine.load(tiny_model)
    text = diagnostics(AppPaths.default(), AppSettings(), info)
    assert "Hearth 0.1.0" in text and "llama-cpp-python 0.3.36" in text
    assert "tiny-chatml" in text and "Backend: CPU" in text
    assert "Device CPU" in text
    engine.unload()
    assert "Model: none loaded" in diagnostics(AppPaths.default(), AppSettings(), None)


def test_file_log_is_private_and_rotates(tmp_path: Path) -> None:
    path = configure_file_logging(tmp_path / "logs")
    try:
        logging.getLogger("hearth.test").warning("a line for the log")
        for handler in logging.getLogger().handlers:
            handler.flush()
        assert "a line for the log" in path.read_text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "baseFilename", None) == str(path):
                logging.getLogger().removeHandler(handler)
                handler.close()
