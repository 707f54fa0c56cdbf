"""The real app, driven by a script, for the crash tests: it completes one exchange, starts a
long answer, says STREAMING on stdout, and waits to be killed (or, with HEARTH_TEST_CRASH=generate
and HEARTH_TEST_CRASH_WHEN=FILE, crashes itself once FILE exists). Fatal signals are logged as
`hearth` logs them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop.app import create_window
from desktop.logs import log_native_crashes
from desktop.paths import AppPaths
from desktop.privacy import Privacy
from desktop.ui.application import application


def main(model: Path) -> None:
    app = application()
    paths = AppPaths.default().create()
    log_native_crashes(paths.logs)
    privacy = Privacy(paths)
    privacy.prepare()
    if privacy.needs_passphrase:  # the encrypted variant of the crash test
        privacy.unlock(Path(os.environ["HEARTH_PASSPHRASE_FILE"]).read_text())
    window, _ = create_window(paths, privacy)
    window.show()
    steps = ["A first, short exchange", "Now a long answer, please"]

    def send_next(*_args: object) -> None:
        if not steps:
            return
        text = steps.pop(0)
        window.settings_panel.fields["max_tokens"].setValue(4 if steps else 0)
        window.composer.input.setPlainText(text)
        window.composer.submit()

    def on_text(_text: str) -> None:
        if not steps:
            print("STREAMING", flush=True)
            window.bridge.text_streamed.disconnect(on_text)

    window.bridge.model_loaded.connect(send_next)
    window.bridge.answer_finished.connect(send_next)
    window.bridge.text_streamed.connect(on_text)
    window.load_model(model)
    app.exec()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
