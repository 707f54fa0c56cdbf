"""The server through the official `openai` client: chat (streamed and not), completions,
embeddings, the model list, stop strings, max_tokens, usage, three clients at once, a client
that goes away. The starter model where answers matter."""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.server import LocalServer
from models.engine import EngineWorker, GenerationStats, SamplingParams
from tests.unit.desktop.server.conftest import LONG, client

pytestmark = pytest.mark.starter
FRANCE = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


def engine_answer(worker: EngineWorker, messages: list[dict[str, str]],
                  params: SamplingParams) -> tuple[str, GenerationStats]:
    """The same answer straight from the engine worker, in-process."""
    parts: list[str] = []
    result: list[GenerationStats | str] = []
    done = threading.Event()
    worker.chat(messages, params, parts.append, lambda s: (result.append(s), done.set()),
                lambda m: (result.append(m), done.set()))
    assert done.wait(LONG)
    assert isinstance(result[0], GenerationStats), result[0]
    return "".join(parts), result[0]


def test_chat_answers_with_the_engines_usage(starter_worker: EngineWorker, serve: Callable[..., LocalServer]) -> None:
    api = client(serve(starter_worker))
    answer = api.chat.completions.create(model="starter", messages=FRANCE, temperature=0, max_tokens=40)
    choice = answer.choices[0]
    assert "Paris" in (choice.message.content or "")
    assert choice.message.role == "assistant" and choice.finish_reason in ("stop", "length")
    assert answer.object == "chat.completion" and answer.id.startswith("chatcmpl-")
    assert answer.model == "SmolLM2-135M-Instruct.Q4_1"
    text, stats = engine_answer(starter_worker, FRANCE, SamplingParams(temperature=0, max_tokens=40))
    assert choice.message.content == text
    assert answer.usage is not None
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (stats.prompt_tokens, stats.generated_tokens)
    assert answer.usage.total_tokens == stats.prompt_tokens + stats.generated_tokens


def test_streamed_chat_is_the_same_answer_in_chunks(starter_worker: EngineWorker,
                                                    serve: Callable[..., LocalServer]) -> None:
    api = client(serve(starter_worker))
    whole = api.chat.completions.create(model="starter", messages=FRANCE, temperature=0, max_tokens=40)
    chunks = list(api.chat.completions.create(model="starter", messages=FRANCE, temperature=0, max_tokens=40,
                                              stream=True, stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    pieces = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert len(pieces) > 5  # a piece per token, not one lump
    assert "".join(pieces) == whole.choices[0].message.content
    finishing = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finishing) == 1 and finishing[0].choices[0].finish_reason == whole.choices[0].finish_reason
    assert chunks[-1].choices == [] and chunks[-1].usage == whole.usage
    assert all(c.usage is None for c in chunks[:-1])


def test_stop_strings_and_max_tokens(starter_worker: EngineWorker, serve: Callable[..., LocalServer]) -> None:
    api = client(serve(starter_worker))
    whole = api.chat.completions.create(model="starter", messages=FRANCE, temperature=0, max_tokens=40)
    content = whole.choices[0].message.content or ""
    assert "Paris" in content
    stopped = api.chat.completions.create(model="starter", messages=FRANCE, temperature=0, max_tokens=40,
                                          stop=["Paris"])
    assert stopped.choices[0].message.content == content[: content.index("Paris")]
    assert stopped.choices[0].finish_reason == "stop"
    short = api.chat.completions.create(model="starter", messages=FRANCE, temperature=0, max_completion_tokens=3)
    assert short.choices[0].finish_reason == "length"
    assert short.usage is not None and short.usage.completion_tokens == 3
    assert content.startswith(short.choices[0].message.content or "\0")


def test_completions_continue_the_prompt(starter_worker: EngineWorker, serve: Callable[..., LocalServer]) -> None:
    api = client(serve(starter_worker))
    done = api.completions.create(model="starter", prompt="The capital of France is", max_tokens=4, temperature=0)
    assert done.object == "text_completion"
    assert done.choices[0].text.startswith(" Paris")  # the leading space belongs to the continuation
    assert done.choices[0].finish_reason == "length"
    assert done.usage is not None and done.usage.completion_tokens == 4
    streamed = list(api.completions.create(model="starter", prompt="The capital of France is", max_tokens=4,
                                           temperature=0, stream=True))
    assert "".join(c.choices[0].text for c in streamed) == done.choices[0].text
    assert streamed[-1].choices[0].finish_reason == "length"


def test_models_lists_the_loaded_model_and_embedding_models(starter_worker: EngineWorker, models_dir: Path,
                                                             embedding_gguf: Path, serve: Callable[..., LocalServer]
                                                             ) -> None:
    (models_dir / "all-MiniLM-L6-v2.F16.gguf").symlink_to(embedding_gguf)
    api = client(serve(starter_worker))
    ids = [m.id for m in api.models.list()]
    assert ids == ["SmolLM2-135M-Instruct.Q4_1", "all-MiniLM-L6-v2.F16"]
    assert all(m.owned_by == "hearth" for m in api.models.list())


def test_embeddings_from_an_installed_embedding_model(starter_worker: EngineWorker, models_dir: Path,
                                                      embedding_gguf: Path, serve: Callable[..., LocalServer]) -> None:
    (models_dir / "all-MiniLM-L6-v2.F16.gguf").symlink_to(embedding_gguf)
    api = client(serve(starter_worker))
    texts = ["The cat sat on the mat.", "A kitten rested on the rug.", "Quarterly revenue grew by four percent."]
    result = api.embeddings.create(model="all-MiniLM-L6-v2.F16", input=texts)  # the client asks for base64
    vectors = [item.embedding for item in result.data]
    assert [item.index for item in result.data] == [0, 1, 2] and result.model == "all-MiniLM-L6-v2.F16"
    assert all(len(v) == 384 and math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-4) for v in vectors)

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.2
    assert result.usage.prompt_tokens > 15
    floats = api.embeddings.create(model="whatever", input=texts[0], encoding_format="float")
    assert floats.data[0].embedding == pytest.approx(vectors[0], abs=1e-6)


def test_three_clients_at_once_each_get_their_own_whole_answer(starter_worker: EngineWorker,
                                                              serve: Callable[..., LocalServer]) -> None:
    api = client(serve(starter_worker))
    questions = ["What is the capital of France?", "Name a primary color.", "What do bees make?"]
    alone = [api.chat.completions.create(model="starter", messages=[{"role": "user", "content": q}],
                                         temperature=0, max_tokens=8).choices[0].message.content for q in questions]
    together: dict[int, str] = {}

    def ask(i: int) -> None:
        stream = api.chat.completions.create(model="starter", messages=[{"role": "user", "content": questions[i]}],
                                             temperature=0, max_tokens=8, stream=True)
        together[i] = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LONG)
    assert [together.get(i) for i in range(3)] == alone


def test_a_client_that_goes_away_frees_the_engine_within_a_token(
    starter_worker: EngineWorker, serve: Callable[..., LocalServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="desktop.server")
    server = serve(starter_worker)
    api = client(server)
    story = [{"role": "user", "content": "Write a very long story about a dragon."}]
    stream = api.chat.completions.create(model="starter", temperature=0, max_tokens=2000, stream=True, messages=story)
    for received, _chunk in enumerate(stream):
        if received == 5:
            break
    stream.close()
    pattern = re.compile(r"stopped (\d+) tokens after its cancel \((\d+) generated\)")

    def stopped() -> re.Match[str] | None:
        return next((m for r in caplog.records if (m := pattern.search(r.getMessage()))), None)

    deadline = threading.Event()
    for _ in range(int(LONG * 10)):
        if stopped() or deadline.wait(0.1):
            break
    match = stopped()
    assert match is not None, "the generation was not cancelled"
    late, generated = int(match.group(1)), int(match.group(2))
    assert late <= 3 and generated < 1000
    next_answer = api.chat.completions.create(model="starter", messages=FRANCE, temperature=0, max_tokens=3)
    assert next_answer.choices[0].finish_reason == "length"
    assert server.status().requests == 0
