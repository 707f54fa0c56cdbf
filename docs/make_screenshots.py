"""Regenerate docs/screenshot-light.png and docs/screenshot-dark.png with the starter model.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/make_screenshots.py

Real answers from the starter model at temperature 0 in a fresh, temporary data folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

PROMPTS = [
    "What is the capital of France? Answer in one sentence.",
    "Show me a Python function that reverses a string, in a code block, then explain it briefly.",
]


def shoot(theme: str, target: Path) -> None:
    from PySide6.QtCore import QTimer

    from desktop.app import create_window
    from desktop.paths import AppPaths
    from desktop.ui.application import application

    app = application()
    window, model = create_window(AppPaths.default())
    window.set_theme(theme)  # type: ignore[arg-type]
    window.resize(1280, 800)
    window.show()
    window.header.settings_button.setChecked(theme == "dark")
    prompts = list(PROMPTS)

    def next_prompt(*_args: object) -> None:
        if prompts:
            window.settings_panel.fields["temperature"].setValue(0.0)
            window.composer.input.setPlainText(prompts.pop(0))
            window.composer.submit()
        else:
            QTimer.singleShot(400, lambda: (window.grab().save(str(target)), window.close(), app.quit()))

    window.bridge.model_loaded.connect(next_prompt)
    window.bridge.answer_finished.connect(next_prompt)
    window.load_model(model)
    app.exec()


def main() -> None:
    docs = Path(__file__).resolve().parent
    sys.path.insert(0, str(docs.parent))
    theme = sys.argv[1] if len(sys.argv) > 1 else None
    if theme is None:  # one process per theme: a clean application each time
        for name in ("light", "dark"):
            os.spawnv(os.P_WAIT, sys.executable, [sys.executable, __file__, name])
        return
    with tempfile.TemporaryDirectory() as home:
        os.environ["HEARTH_HOME"] = home
        shoot(theme, docs / f"screenshot-{theme}.png")


if __name__ == "__main__":
    main()
