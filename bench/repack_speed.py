"""What llama.cpp's extra buffer types (weights repacked at load for faster CPU kernels) are worth:
the same model loaded with and without them, prompt and generation speed in paired rounds.

Hearth loads without them when the engine carries AMX kernels on a CPU with AMX (they crash
there; models/engine/cpu_kernels.py), so this bench refuses such an engine: run it with an engine
built without AMX, e.g. the portable one `make package` compiles:

    taskset -c 0 build/package-venv/bin/python -m bench.repack_speed MODEL.gguf [--rounds 5]

(taskset: on a busy machine one CPU for everything, prompt evaluation included, keeps OpenMP's
spinning threads from drowning the difference.)

Prints JSON: medians of each side and the median of the paired ratios (on / off).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from models.engine import Engine, EngineSettings, SamplingParams, kernel_choice

WORDS = ["the", "river", "runs", "past", "the", "old", "mill", "where", "the", "miller", "keeps", "his",
         "accounts", "in", "a", "red", "book"]


def _prompt(round_number: int, words: int) -> list[dict[str, str]]:
    # A new first word each round: nothing is reused from the previous round's evaluated prompt.
    text = " ".join(WORDS[(round_number + i) % len(WORDS)] for i in range(words))
    return [{"role": "user", "content": f"Round {round_number}: {text}"}]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="1 by default: steadier on a shared machine")
    args = parser.parse_args(argv)
    automatic = kernel_choice(None)
    if not automatic.extra_buffers:
        print(json.dumps({"skipped": automatic.reason}))
        return 1
    engines = {}
    for repack in (False, True):
        engine = Engine(EngineSettings(max_context=2048, threads=args.threads, extra_buffers=repack,
                                       prefix_cache_bytes=0))
        engine.load(args.model)
        engines[repack] = engine
    speeds: dict[str, dict[bool, list[float]]] = {"prompt": {False: [], True: []}, "generation": {False: [], True: []}}
    for round_number in range(args.rounds):
        for repack, engine in engines.items():
            stats = engine.chat(_prompt(round_number, 300), SamplingParams(temperature=0, max_tokens=32, seed=1))
            speeds["prompt"][repack].append(stats.prompt_tokens_per_s)
            speeds["generation"][repack].append(stats.generation_tokens_per_s)
    result: dict[str, object] = {"model": args.model.name, "threads": args.threads, "rounds": args.rounds}
    for kind, sides in speeds.items():
        ratios = [on / off for on, off in zip(sides[True], sides[False], strict=True) if off > 0]
        result[kind] = {"off_tok_s": round(statistics.median(sides[False]), 1),
                        "on_tok_s": round(statistics.median(sides[True]), 1),
                        "ratio_on_off": round(statistics.median(ratios), 2) if ratios else None}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
