"""The OpenAI wire format as typed values: strict parsing, the shapes written, and requests that
survive a round trip through JSON (what a client of another server would send)."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from models.wire import (
    DONE,
    ChatMessage,
    ChatRequest,
    CompletionRequest,
    EmbeddingRequest,
    Head,
    Sampling,
    Usage,
    WireError,
    chat_chunk,
    chat_completion,
    embedding_list,
    parse_chat_request,
    parse_completion_request,
    parse_embedding_request,
    parse_json,
    sse,
)


def test_a_full_chat_request_parses_into_typed_values() -> None:
    request = parse_chat_request({
        "model": "m", "stream": True, "stream_options": {"include_usage": True},
        "messages": [{"role": "developer", "content": "Be brief."},
                     {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]},
                     {"role": "assistant", "content": None, "name": "bot"}],
        "temperature": 0, "top_p": 0.5, "max_tokens": 7, "max_completion_tokens": 9, "stop": "END", "seed": 2**40,
        "presence_penalty": 1, "frequency_penalty": -1.5, "top_k": 4, "min_p": 0.1, "repeat_penalty": 1.1,
        "chat_template_kwargs": {"enable_thinking": False}, "user": "someone",
    })
    assert request.messages == (ChatMessage("developer", "Be brief."), ChatMessage("user", "Hi\nthere"),
                                ChatMessage("assistant", ""))
    assert request.sampling == Sampling(0.0, 0.5, 9, ("END",), 2**40, 1.0, -1.5, 4, 0.1, 1.1)
    assert (request.stream, request.include_usage, request.thinking) == (True, True, False)


@pytest.mark.parametrize("request_value", [
    ChatRequest("m", (ChatMessage("system", "s"), ChatMessage("user", "u")), Sampling(temperature=0.2, stop=("a", "b"),
                max_tokens=5, seed=1), stream=True, include_usage=True, thinking=True),
    ChatRequest("m", (ChatMessage("user", "u"),)),
])
def test_chat_requests_round_trip_through_json(request_value: ChatRequest) -> None:
    assert parse_chat_request(json.loads(json.dumps(request_value.to_json()))) == request_value


def test_completion_and_embedding_requests_round_trip() -> None:
    completion = CompletionRequest("m", "Once upon", Sampling(max_tokens=3, stop=("\n",)), stream=True)
    assert parse_completion_request(json.loads(json.dumps(completion.to_json()))) == completion
    assert parse_completion_request({"model": "m", "prompt": ["one"]}).sampling.max_tokens == 16  # OpenAI's default
    embedding = EmbeddingRequest("e", ("a", "b"), "base64", 8)
    assert parse_embedding_request(json.loads(json.dumps(embedding.to_json()))) == embedding
    assert parse_embedding_request({"model": "e", "input": "one"}).inputs == ("one",)


@pytest.mark.parametrize(("body", "param"), [
    ({"model": "m", "prompt": [1, 2, 3]}, "prompt"),
    ({"model": "m", "prompt": ["a", "b"]}, "prompt"),
    ({"model": "m", "prompt": "x", "echo": True}, "echo"),
    ({"model": "m", "prompt": "x", "best_of": 2}, "best_of"),
    ({"model": "m", "prompt": "x", "suffix": "y"}, "suffix"),
    ({"model": "m", "prompt": 5}, "prompt"),
])
def test_completions_refuse_what_cannot_be_done(body: dict[str, object], param: str) -> None:
    with pytest.raises(WireError) as refused:
        parse_completion_request(body)
    assert refused.value.status == 400 and refused.value.param == param


@pytest.mark.parametrize("value", ["", [], [""], ["a", 3], {"text": "a"}, ["x"] * 2049])
def test_embedding_inputs_must_be_text(value: object) -> None:
    with pytest.raises(WireError) as refused:
        parse_embedding_request({"model": "e", "input": value})
    assert refused.value.param == "input"


def test_json_that_python_would_accept_but_json_does_not_is_refused() -> None:
    for text in (b"NaN", b'{"a": Infinity}', b"1" * 5000):
        with pytest.raises(WireError):
            parse_json(text)
    assert parse_json(b'{"a": [1, 2.5, "\\u00e9"]}') == {"a": [1, 2.5, "é"]}


def test_responses_have_openais_shapes() -> None:
    head = Head("chatcmpl-1", 1700000000, "m")
    body = chat_completion(head, "4", "2 + 2", "stop", Usage(10, 2))
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "4", "refusal": None,
                                             "reasoning_content": "2 + 2"}
    assert body["usage"] == {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}
    assert "reasoning_content" not in chat_completion(head, "4", "", "length", Usage(1, 1))["choices"][0]["message"]
    chunk = chat_chunk(head, {"content": "é"}, None, with_usage=True)
    assert chunk["usage"] is None and chunk["object"] == "chat.completion.chunk"
    assert sse(chunk) == b"data: " + json.dumps(chunk, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"
    assert DONE == b"data: [DONE]\n\n"


def test_base64_embeddings_are_little_endian_float32() -> None:
    body = embedding_list("e", [[1.0, -0.5]], 3, "base64")
    raw = base64.b64decode(body["data"][0]["embedding"])
    assert struct.unpack("<2f", raw) == (1.0, -0.5)
    assert embedding_list("e", [[0.25]], 1, "float")["data"][0] == {"object": "embedding", "index": 0,
                                                                      "embedding": [0.25]}


def test_an_error_body_reads_back() -> None:
    error = WireError("Nope.", 409, param="model", code="model_not_loaded")
    again = WireError.from_json(409, error.to_json())
    assert (again.message, again.status, again.param, again.code, again.type) == (
        "Nope.", 409, "model", "model_not_loaded", "invalid_request_error")
    assert WireError.from_json(502, "<html>").message == "The server answered HTTP 502."
