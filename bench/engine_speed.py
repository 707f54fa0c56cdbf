"""Engine speed goals, measured side by side in one run; prints JSON.

    python -m bench.engine_speed [--model PATH] [--tokens N] [--rounds N] [--skip-llama-bench]

- vs_llama_bench: Hearth's streamed chat (the `hearth bench` prompt, evaluated from an empty
  cache, then N tokens) against llama.cpp's own C++ llama-bench (bench/llama_bench.py; built the
  first time, several minutes) on the same model, threads, batch sizes, flash attention and
  extra buffer types: prompt tokens/s at depth 0 and generation tokens/s at the prompt's depth,
  the same work. Goals: generation >= 0.97, prompt >= 0.97 of C++. llama-bench sizes its
  context to the test (prompt + generated + depth, padded to 256 like every llama.cpp context),
  so Hearth's engine gets the same size here: with flash attention off, each token's attention
  reads the V cache with a stride of the whole context, and a token at the app's 8,192-token
  context costs a few % more than at 768 on either side (the loop is what this compares).
- default_threads: generation tok/s with Hearth's default thread count / the best thread count
  tried (goal: >= 0.95).
- follow_up_ttft: time to first token of a follow-up in a 20-turn conversation / that of a
  one-message conversation (goal: <= 1.5).

Runs alternate between the two sides of each ratio (which goes first changes every round) and
the ratio is the median of the rounds' ratios, so a slow moment of the machine hits both sides.
On a machine shared by many processes, set OMP_WAIT_POLICY=PASSIVE (llama-bench inherits it):
with active waiting, threads spin at every node while their partner is descheduled.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import llama_bench
from models.engine import Engine, SamplingParams, bench_messages, hardware
from models.library import starter_model_path


def median_ratio(ours: list[float], theirs: list[float]) -> float:
    return round(statistics.median(o / t for o, t in zip(ours, theirs, strict=True)), 3)


def hearth_run(engine: Engine, run: int, n_tokens: int) -> tuple[int, float, float]:
    """One streamed chat answer from an empty cache: (prompt tokens, prompt tok/s, generation tok/s)."""
    engine.forget_evaluated()
    params = SamplingParams(temperature=0.0, max_tokens=n_tokens, seed=0)
    stats = engine.chat(bench_messages(run), params, on_text=lambda _text: None)
    assert stats.generated_tokens == n_tokens, f"the model stopped early ({stats.generated_tokens} tokens)"
    assert stats.evaluated_prompt_tokens == stats.prompt_tokens
    return stats.prompt_tokens, stats.prompt_tokens_per_s, stats.generation_tokens_per_s


def llama_bench_context(prompt: int, generated: int, depth: int) -> int:
    """The context llama-bench creates for one test (its n_ctx, padded as llama.cpp pads it)."""
    return -(-(prompt + generated + depth) // 256) * 256


def vs_llama_bench(path: Path, rounds: int, n_tokens: int) -> dict[str, Any]:
    engine = Engine()
    engine.load(path)
    prompt_tokens, _, _ = hearth_run(engine, 0, n_tokens)  # the prompt's length, for llama-bench
    context = llama_bench_context(0, n_tokens, prompt_tokens)
    engine.load(path, settings=replace(engine.settings, max_context=context))
    assert engine.model is not None and engine.model.context_length == context, engine.model
    options = engine.decoder.options
    program = llama_bench.binary()
    hearth_run(engine, 0, n_tokens)  # warm-up
    settings = llama_bench.BenchSettings.of(engine.model, options.n_batch, options.n_ubatch, options.n_threads)

    def cpp(_run: int) -> tuple[float, float]:
        prompt = llama_bench.tokens_per_s(program, settings, prompt_tokens, 0, 0)
        return prompt, llama_bench.tokens_per_s(program, settings, 0, n_tokens, prompt_tokens)

    def hearth(run: int) -> tuple[float, float]:
        _, prompt, generation = hearth_run(engine, run, n_tokens)
        return prompt, generation

    sides: dict[str, tuple[list[float], list[float]]] = {"hearth": ([], []), "llama_bench": ([], [])}
    runners = [("hearth", hearth), ("llama_bench", cpp)]
    for run in range(1, rounds + 1):
        for name, measure in runners if run % 2 else reversed(runners):
            prompt_tps, generation_tps = measure(run)
            sides[name][0].append(prompt_tps)
            sides[name][1].append(generation_tps)
    (ours_pp, ours_tg), (cpp_pp, cpp_tg) = sides["hearth"], sides["llama_bench"]
    result = {
        "work": f"prompt {prompt_tokens} tokens at depth 0, {n_tokens} generated at depth {prompt_tokens}",
        "context": context,
        "threads": options.n_threads,
        "threads_batch": options.n_threads_batch,
        "batch": options.n_batch,
        "ubatch": options.n_ubatch,
        "flash_attention": engine.model.flash_attention,
        "extra_buffers": engine.model.extra_buffers,
        "hearth_tokens_per_s": {"prompt": round(statistics.median(ours_pp), 1),
                                "generation": round(statistics.median(ours_tg), 1)},
        "llama_bench_tokens_per_s": {"prompt": round(statistics.median(cpp_pp), 1),
                                     "generation": round(statistics.median(cpp_tg), 1)},
        "ratio": {"prompt": median_ratio(ours_pp, cpp_pp), "generation": median_ratio(ours_tg, cpp_tg)},
        "rounds": {"hearth": {"prompt": [round(x, 1) for x in ours_pp], "generation": [round(x, 1) for x in ours_tg]},
                   "llama_bench": {"prompt": [round(x, 1) for x in cpp_pp],
                                   "generation": [round(x, 1) for x in cpp_tg]}},
        "goal": "prompt >= 0.97, generation >= 0.97",
    }
    engine.unload()
    return result


def hearth_tps(engine: Engine, run: int, n_tokens: int) -> float:
    params = SamplingParams(temperature=0.0, max_tokens=n_tokens)
    stats = engine.chat(bench_messages(run), params, on_text=lambda _text: None)
    assert stats.generated_tokens == n_tokens, f"the model stopped early ({stats.generated_tokens} tokens)"
    return stats.generation_tokens_per_s


def default_threads(engine: Engine, rounds: int, n_tokens: int) -> dict[str, Any]:
    assert engine.model is not None
    decoder = engine.decoder
    default = engine.model.threads
    candidates = sorted({1, default, hardware.usable_cpus(), max(1, hardware.usable_cpus() // 2)})
    speeds: dict[int, list[float]] = {n: [] for n in candidates}
    for run in range(rounds):
        for n in candidates:
            decoder.set_threads(n, max(n, hardware.usable_cpus()))
            speeds[n].append(hearth_tps(engine, 100 + run * len(candidates) + n, n_tokens))
    decoder.set_threads(default, decoder.options.n_threads_batch)
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
    parser.add_argument("--skip-llama-bench", action="store_true", help="leave out the comparison with C++")
    args = parser.parse_args()
    path = args.model or starter_model_path()
    if path is None:
        raise SystemExit("The starter model is not installed; pass --model PATH.")
    result: dict[str, Any] = {}
    if not args.skip_llama_bench:
        result["vs_llama_bench"] = vs_llama_bench(path, args.rounds, args.tokens)
    engine = Engine()
    info = engine.load(path)
    result = {"model": info.name, "backend": info.backend, "gpu_layers": info.gpu_layers,
              "context": info.context_length} | result
    result |= {
        "default_threads": default_threads(engine, max(1, args.rounds // 2), args.tokens),
        "follow_up_ttft": follow_up_ttft(engine, max(1, args.rounds // 2)),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
