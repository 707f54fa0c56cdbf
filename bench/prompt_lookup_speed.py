"""Prompt-lookup decoding against plain decoding, side by side in one run; prints JSON.

    python -m bench.prompt_lookup_speed [--model PATH] [--tokens N] [--rounds N]

Two answers at temperature 0: a document-grounded one (a document in the prompt, asked to be
quoted) and a free-form one. Three engines on the same model:
- `lookup`: prompt lookup on (flash attention, one generation thread: where it is exact);
- `plain_same_settings`: the same settings without lookup: its output must be identical;
- `plain_default`: the engine as users get it on this machine (CPU: flash attention off, one
  thread per physical core), the speed lookup has to beat to be worth turning on.
Effective tokens/s = (answer tokens - 1) / time from the first token to the last. Goal: lookup
>= 1.3x plain on the document-grounded answer, identical output.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from models.engine import Engine, EngineSettings, SamplingParams
from models.library import starter_model_path

DOCUMENT = (
    "Hearth keeps every conversation on the user's own computer. Models run through llama.cpp, which loads "
    "a GGUF file, evaluates the prompt in batches and then produces one token at a time. The prompt of a "
    "follow-up question shares most of its tokens with the previous one, so the engine keeps the key-value "
    "cache of the previous prompt and evaluates only the new part. When the user switches to another "
    "conversation, the cells of the current one are saved, keyed by the tokens they hold, and put back when "
    "the user returns. Documents that the user adds are split into passages of a few hundred words, embedded "
    "with a small embedding model and stored in a local index; the passages closest to a question are put "
    "into the prompt above it, so that the answer can quote them. "
)
ANSWERS = {
    "document_grounded": [
        {"role": "system", "content": "You answer questions about documents, quoting them exactly."},
        {"role": "user", "content": "Document:\n\n" + DOCUMENT + "\n\nQuote the sentences of the document that "
                                    "explain how documents are used, then summarize them."},
    ],
    "free_form": [{"role": "user", "content": "Write a short story about a lighthouse keeper."}],
}


def answer(engine: Engine, messages: list[dict[str, str]], n_tokens: int) -> tuple[str, float, int, int]:
    engine.forget_evaluated()
    pieces: list[str] = []
    stats = engine.chat(messages, SamplingParams(temperature=0.0, max_tokens=n_tokens, seed=0), pieces.append)
    return "".join(pieces), stats.generation_tokens_per_s, stats.drafted_tokens, stats.accepted_tokens


def compare(engines: dict[str, Engine], messages: list[dict[str, str]], rounds: int, n_tokens: int) -> dict[str, Any]:
    texts = {name: answer(engine, messages, n_tokens)[0] for name, engine in engines.items()}  # warm-up
    speeds: dict[str, list[float]] = {name: [] for name in engines}
    drafted = accepted = 0
    identical = texts["lookup"] == texts["plain_same_settings"]
    order = list(engines)
    for run in range(rounds):
        for name in order if run % 2 == 0 else reversed(order):
            text, tps, drafted_now, accepted_now = answer(engines[name], messages, n_tokens)
            speeds[name].append(tps)
            if name == "lookup":
                identical &= text == texts["plain_same_settings"]
                drafted, accepted = drafted_now, accepted_now

    def ratio(a: str, b: str) -> float:
        return round(statistics.median(x / y for x, y in zip(speeds[a], speeds[b], strict=True)), 3)

    return {
        "tokens_per_s": {name: round(statistics.median(v), 1) for name, v in speeds.items()},
        "speedup_vs_plain_same_settings": ratio("lookup", "plain_same_settings"),
        "speedup_vs_plain_default": ratio("lookup", "plain_default"),
        "identical_output": identical,
        "drafted_tokens": drafted,
        "accepted_tokens": accepted,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="a GGUF file (default: the starter model)")
    parser.add_argument("--tokens", type=int, default=160)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    path = args.model or starter_model_path()
    if path is None:
        raise SystemExit("The starter model is not installed; pass --model PATH.")
    engines = {
        "lookup": Engine(EngineSettings(flash_attention=True, threads=1, prompt_lookup=True)),
        "plain_same_settings": Engine(EngineSettings(flash_attention=True, threads=1, prompt_lookup=False)),
        "plain_default": Engine(EngineSettings(prompt_lookup=False)),
    }
    for engine in engines.values():
        engine.load(path)
    result: dict[str, Any] = {"model": path.stem, "tokens": args.tokens, "rounds": args.rounds,
                              "goal": "document_grounded speedup_vs_plain_same_settings >= 1.3, identical"}
    for name, messages in ANSWERS.items():
        result[name] = compare(engines, messages, args.rounds, args.tokens)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
