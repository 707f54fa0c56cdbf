"""Kill -9 the app in the middle of an answer: nothing completed is lost, and the partial answer
is there up to its last flush (at most a second old)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop import sqlite_file
from desktop.chats import ChatStore, database_path
from desktop.paths import AppPaths
from desktop.privacy import Privacy
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

PASSPHRASE = "correct horse battery staple"


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_killed_mid_answer_keeps_everything_flushed(tmp_path: Path, encrypted: bool) -> None:
    # Wider than the usual tiny model so that the 8,192-token answer streams for many seconds.
    model = write_tiny_model(tmp_path / "slow.gguf", TinyModelSpec(context_length=8192, n_embd=256, n_ff=768,
                                                                 n_layers=4, n_head=8, n_head_kv=4))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if encrypted:
        Privacy(AppPaths.default().create()).encrypt(PASSPHRASE)  # the app creates the chat database encrypted
        (tmp_path / "passphrase").write_text(PASSPHRASE)
        env["HEARTH_PASSPHRASE_FILE"] = str(tmp_path / "passphrase")
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr, subprocess.Popen([sys.executable, "-m", "tests.gui.crash_app", str(model)],
                                                   env=env, stdout=subprocess.PIPE, stderr=stderr, text=True) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "STREAMING", log.read_text()
            # The writer flushes at least once a second: wait (on a busy machine, longer) until a
            # flush has reached the file, as a second reader of the database sees it.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(_streaming_text()) <= 20:
                time.sleep(0.2)
            assert proc.poll() is None, "the answer ended before the kill; make the model slower"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)

    assert sqlite_file.is_encrypted(database_path(AppPaths.default())) == encrypted
    with ChatStore(database_path(AppPaths.default())) as store:
        [conversation] = store.list_conversations()
        thread = store.thread(conversation.id)
    assert [(m.role, m.status) for m in thread] == [
        ("user", "complete"), ("assistant", "complete"), ("user", "complete"), ("assistant", "interrupted"),
    ]
    assert thread[0].content == "A first, short exchange"
    assert thread[1].stats and thread[1].stats["generated_tokens"] == 4
    assert len(thread[3].content) > 20  # streamed text survived up to the last flush


def _streaming_text() -> str:
    with ChatStore(database_path(AppPaths.default())) as store:
        answers = [m for c in store.list_conversations() for m in store.thread(c.id) if m.status == "streaming"]
    return answers[0].content if answers else ""
