"""The repeat penalty Hearth applies itself gives the logits llama.cpp's own penalties stage gives,
bit for bit, over the same window of accepted tokens (no model needed: both run on one array)."""

from __future__ import annotations

import ctypes

import llama_cpp.llama_cpp as C
import numpy as np
import pytest

from models.engine.decode import PENALTY_LAST_N, RepeatPenalty

N_VOCAB = 5000


def native_penalised(logits: np.ndarray, accepted: list[int], penalty: float) -> np.ndarray:
    """llama.cpp's penalties stage applied to `logits` after accepting `accepted`."""
    stage = C.llama_sampler_init_penalties(N_VOCAB, PENALTY_LAST_N, penalty, 0.0, 0.0)
    try:
        for token in accepted:
            C.llama_sampler_accept(stage, token)
        data = (C.llama_token_data * N_VOCAB)(*(C.llama_token_data(i, float(x), 0.0) for i, x in enumerate(logits)))
        array = C.llama_token_data_array(ctypes.cast(data, C.llama_token_data_p), N_VOCAB, -1, False)
        C.llama_sampler_apply(stage, ctypes.byref(array))
        return np.array([data[i].logit for i in range(N_VOCAB)], dtype=np.float32)
    finally:
        C.llama_sampler_free(stage)


@pytest.mark.parametrize("penalty", [1.1, 1.05, 1.3, 0.9])
@pytest.mark.parametrize("n_accepted", [0, 1, 63, 64, 65, 300])
def test_the_repeat_penalty_matches_llama_cpps_stage_bit_for_bit(penalty: float, n_accepted: int) -> None:
    rng = np.random.default_rng(int(penalty * 100) + n_accepted)
    logits = (rng.standard_normal(N_VOCAB) * 8).astype(np.float32)
    logits[:50] = 0.0  # zero takes the multiplying branch
    # Repeats, and tokens that leave the 64-token window and come back.
    accepted = [int(t) for t in rng.integers(0, 120, n_accepted)]
    ours = RepeatPenalty(penalty, PENALTY_LAST_N)
    for token in accepted:
        ours.accept(token)
    mine = logits.copy()
    ours.apply(mine)
    expected = native_penalised(logits, accepted, penalty)
    assert mine.tobytes() == expected.tobytes()
    if any(logits[t] != 0 for t in accepted):
        assert not np.array_equal(mine, logits)  # the test would notice a penalty that did nothing
