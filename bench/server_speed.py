"""The local server's cost over the engine alone, measured side by side in one process; prints JSON.

    python -m bench.server_speed [--model PATH] [--tokens N] [--rounds N] [--latency-rounds N]

- api_throughput: generation tok/s of one streaming client through the API (first to last
  content chunk, as the client receives them) / the engine's own tok/s for the same prompt in
  the same run (goal: >= 0.95).
- one_token_latency: wall time of a 1-token chat request through the API (keep-alive, not
  streamed) minus the same request straight to the engine worker; median (goal: < 5 ms).
- concurrent_clients: 8 clients, each sending a streamed request a few milliseconds after the
  previous one; all must finish, and their answers must start in the order they arrived.

The client is a plain HTTP/1.1 connection reading the server-sent events (the `openai` client
parses every chunk into objects, which would bill its own cost to the server). Runs alternate
which side goes first, and pairs are compared, so a slow moment of the machine hits both alike.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

from desktop.server import LocalServer, ServerConfig
from models.engine import Engine, EngineWorker, GenerationStats, SamplingParams, bench_messages
from models.families import Message
from models.library import starter_model_path

CLIENTS = 8


def engine_run(worker: EngineWorker, messages: list[Message], params: SamplingParams) -> tuple[GenerationStats, float]:
    """One answer straight from the engine worker: its stats and the wall time to the end."""
    done = threading.Event()
    result: list[GenerationStats] = []
    started = time.perf_counter()
    worker.chat(messages, params, lambda _text: None, lambda s: (result.append(s), done.set()),
                lambda message: (print(message), done.set()))
    done.wait()
    return result[0], time.perf_counter() - started


def api_stream(port: int, messages: list[Message], max_tokens: int) -> dict[str, Any]:
    """A streamed chat request; when its content chunks arrived and the usage it reported."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    body = {"model": "bench", "messages": messages, "temperature": 0, "max_tokens": max_tokens, "stream": True,
            "stream_options": {"include_usage": True}}
    sent = time.perf_counter()
    connection.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    times: list[float] = []
    usage: dict[str, int] = {}
    finish = None
    for line in response:
        if not line.startswith(b"data: {"):
            continue
        chunk = json.loads(line[6:])
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk["choices"]:
            if choice["delta"].get("content"):
                times.append(time.perf_counter())
            finish = choice["finish_reason"] or finish
    connection.close()
    return {"sent": sent, "times": times, "usage": usage, "finish": finish}


def api_throughput(worker: EngineWorker, port: int, rounds: int, n_tokens: int) -> dict[str, Any]:
    api_tps: list[float] = []
    engine_tps: list[float] = []
    params = SamplingParams(temperature=0.0, max_tokens=n_tokens)

    def through_api(messages: list[Message]) -> None:
        streamed = api_stream(port, messages, n_tokens)
        tokens, times = streamed["usage"]["completion_tokens"], streamed["times"]
        api_tps.append((tokens - 1) / (times[-1] - times[0]))

    def in_process(messages: list[Message]) -> None:
        engine_tps.append(engine_run(worker, messages, params)[0].generation_tokens_per_s)

    for run in range(rounds):  # the same prompt for both sides of a pair; who goes first alternates
        for side in (through_api, in_process) if run % 2 == 0 else (in_process, through_api):
            side(bench_messages(run))
    return {
        "api_tokens_per_s": round(statistics.median(api_tps), 1),
        "engine_tokens_per_s": round(statistics.median(engine_tps), 1),
        "ratio": round(statistics.median(a / e for a, e in zip(api_tps, engine_tps, strict=True)), 3),
        "goal": ">= 0.95",
    }


def one_token_latency(worker: EngineWorker, port: int, rounds: int) -> dict[str, Any]:
    messages: list[Message] = [{"role": "user", "content": "Say yes."}]
    body = json.dumps({"model": "bench", "messages": messages, "temperature": 0, "max_tokens": 1})
    connection = http.client.HTTPConnection("127.0.0.1", port)  # kept alive, as clients do

    def through_api() -> float:
        started = time.perf_counter()
        connection.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        answer = json.loads(connection.getresponse().read())
        assert answer["usage"]["completion_tokens"] == 1, answer
        return time.perf_counter() - started

    def in_process() -> float:
        return engine_run(worker, messages, SamplingParams(temperature=0.0, max_tokens=1))[1]

    for _ in range(5):  # warm: the prompt's prefix is cached for both sides alike
        through_api()
        in_process()
    api: list[float] = []
    engine: list[float] = []
    for run in range(rounds):
        if run % 2 == 0:
            api.append(through_api())
            engine.append(in_process())
        else:
            engine.append(in_process())
            api.append(through_api())
    connection.close()
    added = [(a - e) * 1000 for a, e in zip(api, engine, strict=True)]
    return {
        "api_ms": round(statistics.median(api) * 1000, 2),
        "engine_ms": round(statistics.median(engine) * 1000, 2),
        "added_ms_median": round(statistics.median(added), 2),
        "goal": "< 5 ms",
    }


def concurrent_clients(port: int, n_tokens: int) -> dict[str, Any]:
    results: dict[int, dict[str, Any]] = {}

    def client(i: int) -> None:
        results[i] = api_stream(port, bench_messages(1000 + i), n_tokens)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # a clear arrival order
    for thread in threads:
        thread.join()
    complete = [i for i, r in results.items() if r["finish"] and r["times"] and r["usage"].get("completion_tokens")]
    arrival = sorted(results, key=lambda i: results[i]["sent"])
    first_tokens = sorted(results, key=lambda i: results[i]["times"][0] if results[i]["times"] else float("inf"))
    return {
        "clients": CLIENTS,
        "completed": len(complete),
        "arrival_order": arrival,
        "answer_order": first_tokens,
        "fair": arrival == first_tokens,
        "total_s": round(time.perf_counter() - started, 2),
        "goal": "all complete, answers start in arrival order",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=starter_model_path())
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--latency-rounds", type=int, default=41)
    args = parser.parse_args()
    worker = EngineWorker(Engine())
    loaded = threading.Event()
    worker.load(args.model, lambda _info: loaded.set(), lambda message, _still: print(message))
    loaded.wait()
    server = LocalServer(worker, ServerConfig(port=0))
    server.start()
    assert server.port is not None and worker.model is not None
    try:
        result: dict[str, Any] = {"model": worker.model.name, "backend": worker.model.backend,
                                  "threads": worker.model.threads}
        print("streaming throughput…", file=sys.stderr, flush=True)
        result["api_throughput"] = api_throughput(worker, server.port, args.rounds, args.tokens)
        print("1-token latency…", file=sys.stderr, flush=True)
        result["one_token_latency"] = one_token_latency(worker, server.port, args.latency_rounds)
        print(f"{CLIENTS} clients at once…", file=sys.stderr, flush=True)
        result["concurrent_clients"] = concurrent_clients(server.port, args.tokens // 4)
    finally:
        server.stop()
        worker.shutdown()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
