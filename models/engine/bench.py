"""`hearth bench`: prompt and generation speed and time to first token on a fixed prompt."""

from __future__ import annotations

import statistics
from typing import Any

from models.engine.engine import Engine
from models.families import SamplingParams

# Long enough that prompt processing runs in full batches; asks for an answer that does not stop early.
_PASSAGE = (
    "The hearth was the centre of the house: it gave warmth, light and cooked food, and people "
    "gathered around it to talk in the evening. "
)
BENCH_QUESTION = "Count from 1 to 300, separated by commas."
GENERATED_TOKENS = 128


def bench_messages(run: int, passage_repeats: int = 16) -> list[dict[str, str]]:
    # A distinct first line per run keeps llama.cpp from reusing the previous run's prompt.
    return [{"role": "user", "content": f"Run {run}.\n" + _PASSAGE * passage_repeats + "\n" + BENCH_QUESTION}]


def run_bench(engine: Engine, runs: int = 3) -> dict[str, Any]:
    assert engine.model is not None
    results = []
    for run in range(max(1, runs)):
        params = SamplingParams(temperature=0.0, max_tokens=GENERATED_TOKENS, seed=0)
        results.append(engine.chat(bench_messages(run), params))
    return {
        "model": engine.model.name,
        "backend": engine.model.backend,
        "threads": engine.model.threads,
        "gpu_layers": engine.model.gpu_layers,
        "context": engine.model.context_length,
        "prompt_tokens": results[0].prompt_tokens,
        "generated_tokens": statistics.median(r.generated_tokens for r in results),
        "prompt_tokens_per_s": round(statistics.median(r.prompt_tokens_per_s for r in results), 1),
        "generation_tokens_per_s": round(statistics.median(r.generation_tokens_per_s for r in results), 1),
        "time_to_first_token_ms": round(statistics.median(r.time_to_first_token_s for r in results) * 1000, 1),
        "runs": len(results),
    }
