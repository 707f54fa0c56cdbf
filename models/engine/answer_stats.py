"""An answer's `GenerationStats`, from the decode loop's own timings (models.engine.decode)."""

from __future__ import annotations

import time

from models.engine.context_window import FittedPrompt
from models.engine.decode import DecodeStats
from models.engine.values import GenerationStats, StopReason


def answer_stats(
    decoded: DecodeStats, prompt: FittedPrompt, generated: int, started: float, first_token_at: float,
    reason: StopReason,
) -> GenerationStats:
    finished = time.perf_counter()
    # Wall clock from the first token to the last: the rate the user sees, Python included.
    gen_seconds = finished - first_token_at if first_token_at else 0.0
    return GenerationStats(
        prompt_tokens=len(prompt.tokens),
        evaluated_prompt_tokens=decoded.evaluated_tokens,
        generated_tokens=generated,
        time_to_first_token_s=(first_token_at - started) if first_token_at else 0.0,
        prompt_tokens_per_s=decoded.prompt_tokens_per_s,
        generation_tokens_per_s=(generated - 1) / gen_seconds if generated > 1 and gen_seconds > 0 else 0.0,
        total_s=finished - started,
        stop_reason=reason,
        dropped_messages=prompt.dropped,
        drafted_tokens=decoded.drafted,
        accepted_tokens=decoded.accepted,
    )
