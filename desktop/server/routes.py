"""The endpoints: /v1/models, /v1/chat/completions, /v1/completions, /v1/embeddings, /health.

A generating request waits for its first event before answering, so an engine that refuses it
(a prompt that cannot fit, a template that cannot render it) is a proper HTTP error, not a
broken stream. Then every piece of text becomes one chunk; pieces that arrived together are
written together. Whatever ends the handler early (the client went away, the server stops)
cancels the job, and the engine is free within one token.

The log gets one line per request with its numbers, never its text.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from aiohttp import web

from desktop.server.catalog import CatalogEntry, ModelCatalog, family_key
from desktop.server.config import ServerConfig
from desktop.server.embeddings import EmbeddingService
from desktop.server.gate import EngineGate, Event, Failed, Finished, Job, Text
from desktop.server.guards import read_json
from desktop.server.reasoning import ReasoningSplitter
from models.engine import GenerationStats, SamplingParams
from models.errors import HearthModelError
from models.families import sampling_for
from models.wire import (
    DONE,
    JSON,
    FinishReason,
    Head,
    Sampling,
    Usage,
    WireError,
    chat_chunk,
    chat_completion,
    chat_usage_chunk,
    dumps,
    embedding_list,
    model_list,
    parse_chat_request,
    parse_completion_request,
    parse_embedding_request,
    sse,
    text_completion,
    text_usage_chunk,
)

log = logging.getLogger("desktop.server")

SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_SEED_RANGE = 2**32 - 1  # llama.cpp's seeds are 32-bit; 0xFFFFFFFF itself means "random"


def finish_reason(stats: GenerationStats) -> FinishReason:
    return "length" if stats.stop_reason in ("length", "context") else "stop"


def sampling_params(family: str | None, asked: Sampling) -> SamplingParams:
    """The family's defaults (models.families.sampling_for), with what the request asked on top."""
    params = sampling_for(family, {
        "temperature": asked.temperature, "top_p": asked.top_p, "top_k": asked.top_k, "min_p": asked.min_p,
        "repeat_penalty": asked.repeat_penalty, "max_tokens": asked.max_tokens,
        "seed": None if asked.seed is None else asked.seed % _SEED_RANGE,
    })
    return dataclasses.replace(
        params, stop=asked.stop,
        presence_penalty=asked.presence_penalty or 0.0, frequency_penalty=asked.frequency_penalty or 0.0,
    )


class Routes:
    def __init__(self, config: ServerConfig, gate: EngineGate, catalog: ModelCatalog,
                 embeddings: EmbeddingService) -> None:
        self.config, self.gate, self.catalog, self.embeddings = config, gate, catalog, embeddings
        self.started = int(time.time())

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/health", self.health)
        app.router.add_get("/v1/models", self.models)
        app.router.add_post("/v1/chat/completions", self.chat_completions)
        app.router.add_post("/v1/completions", self.completions)
        app.router.add_post("/v1/embeddings", self.embeddings_endpoint)

    # -- which model -----------------------------------------------------------------------

    def _served(self, requested: str) -> tuple[CatalogEntry, Path | None, str | None]:
        """The chat model that answers `requested`, the file to load first (None: it is loaded),
        and its family."""
        path, info = self.gate.current_model()
        loaded = self.catalog.entry_for(path, info) if path is not None else None
        if info is not None and path == info.path:  # loaded: its family is known without reading the file
            family = info.facts.family_key if info.facts else None
        else:  # a model this server is loading: its header says
            family = family_key(path) if path is not None else None
        if loaded is not None and (not requested or loaded.answers_to(requested)):
            return loaded, None, family
        wanted = self.catalog.find(requested)
        if wanted is not None and wanted.embedding:
            raise WireError(f"'{requested}' is an embedding model; it answers on /v1/embeddings.", param="model",
                            code="model_not_chat")
        if loaded is None:
            raise WireError("No model is loaded yet; try again in a moment.", 503, kind="server_error",
                            code="model_not_loaded", headers={"Retry-After": str(self.config.retry_after_s)})
        if wanted is None or wanted.path == loaded.path:
            return loaded, None, family
        if not self.config.allow_model_switch:
            raise WireError(f"The model '{wanted.id}' is installed but not loaded; Hearth is serving '{loaded.id}'. "
                            "Load it in Hearth, or allow the server to switch models.", 409, param="model",
                            code="model_not_loaded")
        return wanted, wanted.path, family_key(wanted.path)

    def _check_max_tokens(self, asked: Sampling) -> None:
        if asked.max_tokens is not None and asked.max_tokens > self.config.max_tokens_limit:
            raise WireError(f"'max_tokens' may be at most {self.config.max_tokens_limit} on this server.",
                            param="max_tokens")

    # -- endpoints -------------------------------------------------------------------------

    async def health(self, _request: web.Request) -> web.Response:
        path, _info = self.gate.current_model()
        return web.json_response({"status": "ok" if path is not None else "loading"}, dumps=dumps)

    async def models(self, _request: web.Request) -> web.Response:
        path, info = self.gate.current_model()
        ids = [self.catalog.entry_for(path, info).id] if path is not None else []
        for entry in self.catalog.entries():
            if (entry.embedding or self.config.allow_model_switch) and entry.id not in ids:
                ids.append(entry.id)
        return web.json_response(model_list(ids, self.started), dumps=dumps)

    async def chat_completions(self, request: web.Request) -> web.StreamResponse:
        asked = parse_chat_request(await read_json(request))
        self._check_max_tokens(asked.sampling)
        served, load, family = self._served(asked.model)
        messages = [{"role": "system" if m.role == "developer" else m.role, "content": m.content}
                    for m in asked.messages]
        params = sampling_params(family, asked.sampling)
        job = self.gate.chat(messages, params, asked.thinking, load, self.config.retry_after_s)
        head = Head(f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), served.id)
        with _Outcome(request, job, served.id, asked.stream) as outcome:
            if not asked.stream:
                text, stats = await _collect(job)
                outcome.stats = stats
                whole = ReasoningSplitter()
                pieces = whole.feed(text) + whole.flush()
                content = "".join(t for field, t in pieces if field == "content")
                reasoning = "".join(t for field, t in pieces if field == "reasoning_content").strip()
                body = chat_completion(head, content, reasoning, finish_reason(stats), _usage(stats))
                return web.json_response(body, dumps=dumps)
            splitter, usage = ReasoningSplitter(), asked.include_usage

            def chunks(event: Event) -> list[JSON]:
                if isinstance(event, Text):
                    return [chat_chunk(head, {field: t}, None, usage) for field, t in splitter.feed(event.text)]
                assert isinstance(event, Finished)
                outcome.stats = event.stats
                tail = [chat_chunk(head, {field: t}, None, usage) for field, t in splitter.flush()]
                tail.append(chat_chunk(head, {}, finish_reason(event.stats), usage))
                return tail + ([chat_usage_chunk(head, _usage(event.stats))] if usage else [])

            first = chat_chunk(head, {"role": "assistant", "content": ""}, None, usage)
            return await _stream(request, job, first, chunks)

    async def completions(self, request: web.Request) -> web.StreamResponse:
        asked = parse_completion_request(await read_json(request))
        self._check_max_tokens(asked.sampling)
        served, load, family = self._served(asked.model)
        job = self.gate.complete(asked.prompt, sampling_params(family, asked.sampling), load,
                                 self.config.retry_after_s)
        head = Head(f"cmpl-{uuid.uuid4().hex}", int(time.time()), served.id)
        with _Outcome(request, job, served.id, asked.stream) as outcome:
            if not asked.stream:
                text, stats = await _collect(job)
                outcome.stats = stats
                return web.json_response(text_completion(head, text, finish_reason(stats), _usage(stats)), dumps=dumps)

            def chunks(event: Event) -> list[JSON]:
                if isinstance(event, Text):
                    return [text_completion(head, event.text, None, None)]
                assert isinstance(event, Finished)
                outcome.stats = event.stats
                last = [text_completion(head, "", finish_reason(event.stats), None)]
                return last + ([text_usage_chunk(head, _usage(event.stats))] if asked.include_usage else [])

            return await _stream(request, job, None, chunks)

    async def embeddings_endpoint(self, request: web.Request) -> web.Response:
        asked = parse_embedding_request(await read_json(request))
        entries = [e for e in self.catalog.entries() if e.embedding]
        if not entries:
            raise WireError("No embedding model is installed; add one in Hearth's model manager "
                            "(Recommended: bge-small-en-v1.5).", param="model", code="model_not_found")
        chosen = next((e for e in entries if e.answers_to(asked.model)), None)
        if chosen is None:
            named = self.catalog.find(asked.model)
            if named is not None:
                raise WireError(f"'{named.id}' is a chat model; embedding models here: "
                                f"{', '.join(e.id for e in entries)}.", param="model", code="model_not_embedding")
            chosen = entries[0]  # a name nobody knows: the embedding model there is, as for chat
        started = time.perf_counter()
        try:
            vectors, tokens = await self.embeddings.embed(chosen.path, asked.inputs, asked.dimensions)
        except HearthModelError as exc:
            raise WireError(str(exc), 500, kind="server_error") from exc
        log.info("POST /v1/embeddings 200 model=%s inputs=%d tokens=%d %.3fs", chosen.id, len(asked.inputs),
                 tokens, time.perf_counter() - started)
        return web.json_response(embedding_list(chosen.id, vectors, tokens, asked.encoding_format), dumps=dumps)


def _usage(stats: GenerationStats) -> Usage:
    return Usage(stats.prompt_tokens, stats.generated_tokens)


async def _collect(job: Job) -> tuple[str, GenerationStats]:
    parts = []
    async for event in job.events():
        if isinstance(event, Text):
            parts.append(event.text)
        elif isinstance(event, Failed):
            raise event.error()
        else:
            return "".join(parts), event.stats
    raise AssertionError("a job always ends with Finished or Failed")


async def _stream(request: web.Request, job: Job, first: JSON | None,
                  chunks: Callable[[Event], Sequence[JSON]]) -> web.StreamResponse:
    """Server-sent events: `first` (if any) and the chunks of every event, then `data: [DONE]`."""
    events: AsyncIterator[Event] = job.events()
    event = await anext(events)
    if isinstance(event, Failed):  # before a byte was sent: a plain HTTP error
        raise event.error()
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    out = [sse(first)] if first is not None else []
    while True:
        batch = [event, *job.ready()]
        for item in batch:
            if isinstance(item, Failed):  # mid-answer: OpenAI-style error event, then the end
                out.append(sse(item.error().to_json()))
            else:
                out.extend(sse(chunk) for chunk in chunks(item))
        if job.finished:
            out.append(DONE)
        await response.write(b"".join(out))
        out = []
        if job.finished:
            break
        event = await anext(events)
    await response.write_eof()
    return response


class _Outcome:
    """Cancels the job when the handler ends early; logs the request's numbers (never its text)."""

    def __init__(self, request: web.Request, job: Job, model: str, stream: bool) -> None:
        self.request, self.job, self.model, self.stream = request, job, model, stream
        self.stats: GenerationStats | None = None

    def __enter__(self) -> _Outcome:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: object) -> None:
        if not self.job.finished:
            self.job.cancel()  # the client went away, the request failed, or the server stops
        elapsed = time.perf_counter() - self.job.admitted_at
        request, stats = self.request, self.stats
        if stats is None:
            reason = "client gone" if kind is not None and not isinstance(error, WireError) else "failed"
            log.info("%s %s %s model=%s stream=%s %.3fs", request.method, request.path, reason, self.model,
                     self.stream, elapsed)
            return
        log.info("%s %s 200 model=%s stream=%s prompt=%d (evaluated %d) completion=%d tokens %.3fs "
                 "first token %.3fs %.1f tok/s stop=%s", request.method, request.path, self.model, self.stream,
                 stats.prompt_tokens, stats.evaluated_prompt_tokens, stats.generated_tokens, elapsed,
                 stats.time_to_first_token_s, stats.generation_tokens_per_s, stats.stop_reason)
