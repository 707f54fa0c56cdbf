"""models.wire.stream: reading what OpenAI-compatible servers send, whatever the network's pieces."""

from __future__ import annotations

import pytest

from models.wire import EventDecoder, MalformedStreamError, WireError, read_chunk, read_error, read_model_list


def test_events_survive_any_split_of_the_bytes() -> None:
    stream = b'data: {"a": 1}\r\n\r\n: keep-alive\n\ndata: line one\ndata: line two\n\nevent: x\ndata: [DONE]\n\n'
    for size in (1, 2, 3, 7, len(stream)):
        decoder = EventDecoder()
        events = [e for i in range(0, len(stream), size) for e in decoder.feed(stream[i:i + size])]
        events += decoder.close()
        assert events == ['{"a": 1}', "line one\nline two", "[DONE]"], size
        assert decoder.keepalives == 1


def test_a_last_event_without_its_blank_line_still_counts() -> None:
    decoder = EventDecoder()
    assert decoder.feed(b"data: tail") == []
    assert decoder.close() == ["tail"]


def test_a_line_too_long_is_refused_before_it_fills_memory() -> None:
    decoder = EventDecoder(max_line_bytes=1024)
    with pytest.raises(MalformedStreamError, match="longer than"):
        for _ in range(10):
            decoder.feed(b"x" * 512)


def test_chunks_with_reasoning_usage_and_errors() -> None:
    piece = read_chunk('{"choices": [{"delta": {"reasoning_content": "hm", "content": null}, "finish_reason": null}]}')
    assert (piece.reasoning, piece.content, piece.finish_reason) == ("hm", "", None)
    usage_only = read_chunk('{"choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 2}}')
    assert usage_only.usage is not None and usage_only.usage.completion_tokens == 2
    with pytest.raises(WireError, match="overloaded"):
        read_chunk('{"error": {"message": "overloaded"}}')
    with pytest.raises(MalformedStreamError, match="without 'choices'"):
        read_chunk('{"id": "x"}')


def test_error_bodies_of_every_shape() -> None:
    assert read_error(401, b'{"error": {"message": "bad key"}}').message == "bad key"
    assert read_error(404, b'{"error": "model not found"}').message == "model not found"  # Ollama
    assert read_error(422, b'{"detail": "field required"}').message == "field required"  # FastAPI
    assert read_error(502, b"<html>Bad Gateway</html>").message == "The server answered HTTP 502."
    assert "\x1b" not in read_error(500, b'{"error": "\\u001b[31mred"}').message


def test_model_lists_keep_usable_ids_and_their_context() -> None:
    body = (b'{"data": [{"id": "a", "meta": {"n_ctx_train": 4096}}, {"id": "a"}, {"id": ""},'
            b' {"id": "b", "max_model_len": 8192}]}')
    assert [(m.id, m.context_length) for m in read_model_list(body)] == [("a", 4096), ("b", 8192)]
    with pytest.raises(MalformedStreamError, match="no 'data' list"):
        read_model_list(b'{"models": []}')
