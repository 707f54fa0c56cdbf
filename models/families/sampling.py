"""Sampling settings each family's authors recommend (their model cards and generation configs).

A new conversation starts from these; the user's own changes are kept with the conversation.
Families not listed, and models of no known family, use SamplingParams' defaults.
"""

from __future__ import annotations

from typing import Any

RECOMMENDED: dict[str, dict[str, Any]] = {
    "llama3": {"temperature": 0.6, "top_p": 0.9},
    "llama4": {"temperature": 0.6, "top_p": 0.9},
    "mistral": {"temperature": 0.7, "top_p": 1.0},
    "qwen2.5": {"temperature": 0.7, "top_p": 0.8, "top_k": 20, "repeat_penalty": 1.05},
    "qwen3": {"temperature": 0.6, "top_p": 0.95, "top_k": 20, "min_p": 0.0},
    "deepseek-r1": {"temperature": 0.6, "top_p": 0.95},
    "deepseek-v3": {"temperature": 0.6, "top_p": 0.95},
    "gemma": {"temperature": 1.0, "top_p": 0.95, "top_k": 64, "min_p": 0.0},
    "gpt-oss": {"temperature": 1.0, "top_p": 1.0, "top_k": 0},
}


def recommended_sampling(family_key: str | None) -> dict[str, Any]:
    return dict(RECOMMENDED.get(family_key or "", {}))
