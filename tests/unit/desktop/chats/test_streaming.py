"""An answer is saved while it streams, and a crash leaves it marked "interrupted"."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.chats import ChatStore, StoreError, StreamingWriter
from tests.unit.desktop.chats.conftest import FakeClock


def streaming_answer(store: ChatStore) -> int:
    conversation = store.create_conversation()
    store.add_message(conversation.id, "user", "Write a poem")
    return store.add_message(conversation.id, "assistant", "", model="tiny", status="streaming").id


def test_chunks_are_saved_once_the_interval_has_passed(store: ChatStore) -> None:
    message_id = streaming_answer(store)
    clock = FakeClock(50.0)
    writer = StreamingWriter(store, message_id, interval_s=1.0, clock=clock)
    writer.append("Roses ")
    clock.advance(0.6)
    writer.append("are ")
    assert store.get_message(message_id).content == ""
    clock.advance(0.4)
    writer.append("red,")
    assert store.get_message(message_id).content == "Roses are red,"
    clock.advance(0.9)
    writer.append(" violets")
    assert store.get_message(message_id).content == "Roses are red,"
    clock.advance(0.1)
    writer.append(" are blue.")
    saved = store.get_message(message_id)
    assert (saved.content, saved.status) == ("Roses are red, violets are blue.", "streaming")
    assert writer.content == saved.content


def test_the_interval_counts_from_the_last_save(store: ChatStore) -> None:
    message_id = streaming_answer(store)
    clock = FakeClock()
    writer = StreamingWriter(store, message_id, interval_s=0.25, clock=clock)
    clock.advance(10)
    writer.append("late first chunk")  # a long prompt evaluation passed without chunks: save now
    assert store.get_message(message_id).content == "late first chunk"
    clock.advance(0.1)
    writer.append(" and more")
    assert store.get_message(message_id).content == "late first chunk"


def test_finish_saves_everything_with_status_and_stats(store: ChatStore) -> None:
    message_id = streaming_answer(store)
    writer = StreamingWriter(store, message_id, clock=FakeClock())
    writer.append("<think>short</think>")
    writer.append("Done.")
    writer.finish({"generated_tokens": 5, "tokens_per_s": 42.0})
    saved = store.get_message(message_id)
    assert (saved.content, saved.status, saved.stats) == (
        "<think>short</think>Done.",
        "complete",
        {"generated_tokens": 5, "tokens_per_s": 42.0},
    )
    with pytest.raises(StoreError, match="already finished"):
        writer.append("more")


@pytest.mark.parametrize("status", ["cancelled", "failed"])
def test_finish_with_other_final_statuses(store: ChatStore, status: str) -> None:
    message_id = streaming_answer(store)
    writer = StreamingWriter(store, message_id, clock=FakeClock())
    writer.append("partial")
    writer.finish(None, status)
    saved = store.get_message(message_id)
    assert (saved.content, saved.status, saved.stats) == ("partial", status, None)


def test_finish_refuses_a_non_final_status(store: ChatStore) -> None:
    writer = StreamingWriter(store, streaming_answer(store), clock=FakeClock())
    with pytest.raises(ValueError, match="cannot finish"):
        writer.finish(None, "streaming")


def test_flush_saves_at_once(store: ChatStore) -> None:
    message_id = streaming_answer(store)
    writer = StreamingWriter(store, message_id, interval_s=1.0, clock=FakeClock())
    writer.append("quitting mid-answer")
    writer.flush()
    assert store.get_message(message_id).content == "quitting mid-answer"


def test_writer_continues_from_the_rows_text(store: ChatStore) -> None:
    conversation = store.create_conversation()
    message = store.add_message(conversation.id, "assistant", "Sure: ", status="streaming")
    writer = StreamingWriter(store, message.id, clock=FakeClock())
    writer.append("here it is.")
    writer.finish(None)
    assert store.get_message(message.id).content == "Sure: here it is."


def test_another_connection_sees_saved_text_only(store: ChatStore, db_path: Path) -> None:
    message_id = streaming_answer(store)
    clock = FakeClock()
    writer = StreamingWriter(store, message_id, interval_s=1.0, clock=clock)
    writer.append("first second of text")
    with ChatStore(db_path) as other:
        assert other.get_message(message_id).content == ""
    clock.advance(1.0)
    writer.append(", then more")
    with ChatStore(db_path) as other:
        seen = other.get_message(message_id)
        # This process is alive and still writing: opening the file again is not a crash.
        assert (seen.content, seen.status) == ("first second of text, then more", "streaming")
    writer.finish(None)
    with ChatStore(db_path) as other:
        assert other.get_message(message_id).status == "complete"


CRASHING_WRITER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from desktop.chats import ChatStore, StreamingWriter

    store = ChatStore(Path(sys.argv[1]))
    conversation = store.create_conversation("crash")
    store.add_message(conversation.id, "user", "Count to ten")
    answer = store.add_message(conversation.id, "assistant", "", status="streaming")
    ticks = iter([0.0, 0.2, 1.1, 1.5])
    writer = StreamingWriter(store, answer.id, interval_s=1.0, clock=lambda: next(ticks))
    writer.append("one two")
    writer.append(" three")
    writer.append(" four (never saved)")
    print(answer.id, flush=True)
    os._exit(9)
    """
)


def test_an_answer_left_streaming_by_a_crash_is_marked_interrupted(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(db_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[3],
    )
    assert result.returncode == 9, result.stderr
    message_id = int(result.stdout)
    with ChatStore(db_path) as store:
        message = store.get_message(message_id)
        assert (message.content, message.status) == ("one two three", "interrupted")
        assert [m.id for m in store.thread(message.conversation_id)][-1] == message_id
        assert store.search("three")[0].message_id == message_id


def test_streaming_rows_without_a_known_writer_are_recovered(db_path: Path) -> None:
    with ChatStore(db_path) as store:
        message_id = streaming_answer(store)
        StreamingWriter(store, message_id, interval_s=0, clock=FakeClock()).append("text")
    conn = sqlite3.connect(db_path)
    try:
        # A writer that cannot be this machine's live process: pid 1's start time is not 0.
        conn.execute("UPDATE messages SET writer = '1:0.000' WHERE id = ?", (message_id,))
        conn.commit()
    finally:
        conn.close()
    with ChatStore(db_path) as store:
        message = store.get_message(message_id)
        assert (message.content, message.status) == ("text", "interrupted")
