from __future__ import annotations

from desktop.chats import Message, build_messages


def message(role: str, content: str, status: str = "complete", message_id: int = 0) -> Message:
    return Message(message_id, 1, None, role, content, None, None, None, status, 0.0, 0.0)


def test_system_prompt_then_the_thread() -> None:
    thread = [message("user", "Hi"), message("assistant", "Hello!"), message("user", "How are you?")]
    assert build_messages("Be kind.", thread) == [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "How are you?"},
    ]


def test_empty_system_prompt_is_left_out() -> None:
    assert build_messages("", [message("user", "Hi")]) == [{"role": "user", "content": "Hi"}]
    assert build_messages(" \n", [message("user", "Hi")]) == [{"role": "user", "content": "Hi"}]


def test_reasoning_is_stripped_from_answers() -> None:
    thread = [message("user", "2+2?"), message("assistant", "<think>\nadd them\n</think>\n\n4"), message("user", "ok")]
    # What followed </think> stays byte for byte, as DeepSeek's official templates keep it; a family
    # whose template drops the blank line (Qwen 3) has the engine drop it.
    assert build_messages("", thread)[1] == {"role": "assistant", "content": "\n\n4"}


def test_failed_streaming_and_empty_answers_are_skipped() -> None:
    thread = [
        message("user", "Q1"),
        message("assistant", "half an answer", status="failed"),
        message("assistant", "<think>only thinking</think>"),
        message("assistant", "   "),
        message("assistant", "A1"),
        message("user", "Q2"),
        message("assistant", "being written", status="streaming"),
    ]
    assert build_messages("", thread) == [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
    ]


def test_cancelled_and_interrupted_answers_are_kept() -> None:
    thread = [
        message("user", "Q1"),
        message("assistant", "stopped part", status="cancelled"),
        message("user", "Q2"),
        message("assistant", "cut by a crash", status="interrupted"),
    ]
    assert [m["content"] for m in build_messages("", thread)] == ["Q1", "stopped part", "Q2", "cut by a crash"]


def test_questions_left_adjacent_are_joined_so_roles_alternate() -> None:
    thread = [
        message("user", "First question"),
        message("assistant", "", status="cancelled"),
        message("user", "Second question"),
    ]
    assert build_messages("", thread) == [{"role": "user", "content": "First question\n\nSecond question"}]


def test_system_messages_in_the_thread_are_not_sent() -> None:
    thread = [message("system", "note to self"), message("user", "Hi")]
    assert build_messages("", thread) == [{"role": "user", "content": "Hi"}]
