"""What switching LoRA adapters costs, measured side by side in one run; prints JSON.

    python -m bench.lora_switch [--rounds N] [--threads N]

Two random rank-16 adapters shaped for the starter model (SmolLM2-135M: 30 layers, 576-wide,
q/k/v/o and the feed-forward weights), written to a temporary folder.

- switch_vs_reload: seconds to switch to the other adapter and answer (`Engine.chat` with the
  other adapter) / seconds to reload the base model with that adapter and answer: what keeping
  the model loaded saves (goal: well under 1).
- adapter_overhead: generation tok/s with one adapter at scale 1 / without adapters, same prompt
  (llama.cpp adds two small matrix products per changed weight).

Runs alternate between the sides of each ratio; medians are compared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from models.engine import AdapterChoice, Engine, EngineSettings, SamplingParams
from models.library import starter_model_path
from tests.fixtures.tiny_gguf import TinyAdapterSpec, TinyModelSpec, write_tiny_adapter

STARTER_SHAPE = TinyModelSpec(n_layers=30, n_embd=576, n_head=9, n_head_kv=3, n_ff=1536)
TARGETS = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")
QUESTION = [{"role": "user", "content": "Write two sentences about owls."}]
PARAMS = SamplingParams(temperature=0.0, max_tokens=32, seed=1)


def timed_answer(engine: Engine, adapters: list[AdapterChoice]) -> tuple[float, float]:
    started = time.perf_counter()
    stats = engine.chat(QUESTION, PARAMS, adapters=adapters)
    return time.perf_counter() - started, stats.generation_tokens_per_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, help="default: Hearth's choice for this machine")
    args = parser.parse_args()
    model = starter_model_path()
    assert model is not None, "the starter model is not installed"
    with tempfile.TemporaryDirectory() as folder:
        adapters = [
            write_tiny_adapter(Path(folder) / f"{name}.gguf", STARTER_SHAPE,
                               TinyAdapterSpec(rank=16, alpha=16, targets=TARGETS, seed=seed, weight_scale=0.02))
            for seed, name in ((1, "a"), (2, "b"))
        ]
        engine = Engine(EngineSettings(threads=args.threads))
        engine.load(model)
        switch_s, reload_s, with_tps, without_tps = [], [], [], []
        first, second = ([AdapterChoice(path, 1.0)] for path in adapters)
        for _run in range(args.rounds):
            # Reloading: the base model again, then the same answer with the second adapter.
            started = time.perf_counter()
            engine.load(model)
            timed_answer(engine, second)
            reload_s.append(time.perf_counter() - started)
            # Switching: from the first adapter to the second on the loaded model (both loaded once).
            timed_answer(engine, first)
            seconds, tps = timed_answer(engine, second)
            switch_s.append(seconds)
            with_tps.append(tps)
            without_tps.append(timed_answer(engine, [])[1])
        engine.unload()
    result = {
        "switch_vs_reload": {
            "switch_s": round(statistics.median(switch_s), 4),
            "reload_s": round(statistics.median(reload_s), 4),
            "ratio": round(statistics.median(switch_s) / statistics.median(reload_s), 3),
        },
        "adapter_overhead": {
            "with_adapter_tps": round(statistics.median(with_tps), 1),
            "without_tps": round(statistics.median(without_tps), 1),
            "ratio": round(statistics.median(with_tps) / statistics.median(without_tps), 3),
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
