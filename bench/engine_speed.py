"""Engine speed goals, measured side by side in one run; prints JSON.

    python -m bench.engine_speed [--model PATH] [--tokens N] [--rounds N]

- engine_overhead: Hearth's streamed chat generation tok/s / raw `Llama.generate` tok/s on the
  same loaded model, threads and prompt (goal: >= 0.97).
- default_threads: generation tok/s with Hearth's default thread count / the best thread count
  tried (goal: >= 0.95).
- follow_up_ttft: time to first token of a follow-up in a 20-turn conversation / that of a
  one-message conversation (goal: <= 1.5).

Runs alternate between the two sides of each ratio and medians are compared, so a slow
moment of the machine hits both sides alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from models.engine import Engine, SamplingParams, bench_messages, hardware
from models.library import starter_model_path


def raw_generate_tps(engine: Engine, run: int, n_tokens: int) -> float:
    """llama-cpp-python's own generator on the engine's Llama: no Hearth code per token."""
    llm = engine._llm
    assert llm is not None
    tokens = engine.prepare_prompt(bench_messages(run)).tokens
    first = 0.0
    stream = llm.generate(list(tokens), temp=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0)
    for count, _token in enumerate(stream, start=1):
        if count == 1:
            first = time.perf_counter()
        if count == n_tokens:
            break
    return (n_tokens - 1) / (time.perf_counter() - first)


def hearth_tps(engine: Engine, run: int, n_tokens: int) -> float:
    params = SamplingParams(temperature=0.0, max_tokens=n_tokens)
    stats = engine.chat(bench_messages(run), params, on_text=lambda _text: None)
    assert stats.generated_tokens == n_tokens, f"the model stopped early ({stats.generated_tokens} tokens)"
    return stats.generation_tokens_per_s


def engine_overhead(engine: Engine, rounds: int, n_tokens: int) -> dict[str, Any]:
    """Pairs of runs back to back, the two sides taking turns going first; the ratio is the median
    of the pairs' ratios, so the speed drifting within a run (a shared VM) cancels out."""
    raw: list[float] = []
    ours: list[float] = []
    for run in range(rounds):
        sides = [(raw, raw_generate_tps, 2 * run), (ours, hearth_tps, 2 * run + 1)]
        for results, measure, prompt in sides if run % 2 == 0 else reversed(sides):
            results.append(measure(engine, prompt, n_tokens))
    return {
        "raw_generate_tokens_per_s": round(statistics.median(raw), 1),
        "hearth_chat_tokens_per_s": round(statistics.median(ours), 1),
        "ratio": round(statistics.median(o / r for o, r in zip(ours, raw, strict=True)), 3),
        "goal": ">= 0.97",
    }


def default_threads(engine: Engine, rounds: int, n_tokens: int) -> dict[str, Any]:
    llm = engine._llm
    assert llm is not None and engine.model is not None
    default = engine.model.threads
    candidates = sorted({1, default, hardware.usable_cpus(), max(1, hardware.usable_cpus() // 2)})
    speeds: dict[int, list[float]] = {n: [] for n in candidates}
    for run in range(rounds):
        for n in candidates:
            llm._ctx.set_n_threads(n, max(n, hardware.usable_cpus()))
            speeds[n].append(hearth_tps(engine, 100 + run * len(candidates) + n, n_tokens))
    llm._ctx.set_n_threads(default, max(default, hardware.usable_cpus()))
    medians = {n: statistics.median(v) for n, v in speeds.items()}
    best = max(medians, key=lambda n: medians[n])
    return {
        "default_threads": default,
        "best_threads": best,
        "tokens_per_s_by_threads": {str(n): round(v, 1) for n, v in medians.items()},
        "ratio": round(medians[default] / medians[best], 3),
        "goal": ">= 0.95",
    }


def follow_up_ttft(engine: Engine, rounds: int) -> dict[str, Any]:
    params = SamplingParams(temperature=0.0, max_tokens=24, seed=0)
    single, follow = [], []
    for run in range(rounds):
        first = [{"role": "user", "content": f"Conversation {run}: name a river in Europe."}]
        single.append(engine.chat(first, params).time_to_first_token_s)
        messages: list[dict[str, str]] = []
        for turn in range(20):
            messages.append({"role": "user", "content": f"Round {run}, fact {turn}: tell me about rivers."})
            pieces: list[str] = []
            engine.chat(messages, params, pieces.append)
            messages.append({"role": "assistant", "content": "".join(pieces)})
        messages.append({"role": "user", "content": "Which of those rivers is the longest?"})
        stats = engine.chat(messages, params)
        follow.append(stats.time_to_first_token_s)
    return {
        "one_message_ttft_ms": round(statistics.median(single) * 1000, 1),
        "twenty_turn_follow_up_ttft_ms": round(statistics.median(follow) * 1000, 1),
        "follow_up_prompt_tokens": stats.prompt_tokens,
        "follow_up_evaluated_tokens": stats.evaluated_prompt_tokens,
        "ratio": round(statistics.median(follow) / statistics.median(single), 3),
        "goal": "<= 1.5",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="a GGUF file (default: the starter model)")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    path = args.model or starter_model_path()
    if path is None:
        raise SystemExit("The starter model is not installed; pass --model PATH.")
    engine = Engine()
    info = engine.load(path)
    result = {
        "model": info.name,
        "backend": info.backend,
        "gpu_layers": info.gpu_layers,
        "engine_overhead": engine_overhead(engine, args.rounds, args.tokens),
        "default_threads": default_threads(engine, max(1, args.rounds // 2), args.tokens),
        "follow_up_ttft": follow_up_ttft(engine, max(1, args.rounds // 2)),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
