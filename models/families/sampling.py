"""How an answer is sampled, decided in one place for the window, `hearth chat` and any server.

`sampling_for(family_key, settings)` starts from Hearth's defaults, applies what the family's
authors recommend (their model cards and generation configs), then the user's own settings (a
conversation's, or command-line flags). Families not listed, and models of no known family,
use the defaults.

The defaults are the common ones: a repeat penalty of 1.1, without which small models loop
("Bread, bread, bread…"), and answers capped at DEFAULT_MAX_TOKENS, which a user lifts per
conversation (Settings, Max tokens: 0 is no limit) or with `hearth chat --max-tokens 0`. The
engine's own `SamplingParams()` keeps no cap: a caller of the engine asks for what it wants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    max_tokens: int | None = None  # None: until the model stops or the context is full
    seed: int | None = None  # None: a fresh random seed per answer
    # Asked for per request by API clients (desktop.server); conversations keep the neutral values.
    stop: tuple[str, ...] = ()  # extra stop strings, on top of the template's own
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0


# Longest answer of a conversation (or `hearth chat`) unless the family or the user says otherwise.
DEFAULT_MAX_TOKENS = 4096

# Settings as a conversation stores them: max_tokens 0 is "no limit", seed -1 "a fresh one".
DEFAULT_SETTINGS: dict[str, Any] = {
    "temperature": SamplingParams.temperature,
    "top_p": SamplingParams.top_p,
    "top_k": SamplingParams.top_k,
    "min_p": SamplingParams.min_p,
    "repeat_penalty": SamplingParams.repeat_penalty,
    "max_tokens": DEFAULT_MAX_TOKENS,
    "seed": -1,
}

# Reasoning models think at length before they answer: Qwen 3's and DeepSeek-R1's cards ask for
# room for 32,768 tokens. Gemma's recommended settings turn the repeat penalty off (1.0).
RECOMMENDED: dict[str, dict[str, Any]] = {
    "llama3": {"temperature": 0.6, "top_p": 0.9},
    "llama4": {"temperature": 0.6, "top_p": 0.9},
    "mistral": {"temperature": 0.7, "top_p": 1.0},
    "qwen2.5": {"temperature": 0.7, "top_p": 0.8, "top_k": 20, "repeat_penalty": 1.05},
    "qwen3": {"temperature": 0.6, "top_p": 0.95, "top_k": 20, "min_p": 0.0, "max_tokens": 32768},
    "deepseek-r1": {"temperature": 0.6, "top_p": 0.95, "max_tokens": 32768},
    "deepseek-v3": {"temperature": 0.6, "top_p": 0.95},
    "gemma": {"temperature": 1.0, "top_p": 0.95, "top_k": 64, "min_p": 0.0, "repeat_penalty": 1.0},
    "gpt-oss": {"temperature": 1.0, "top_p": 1.0, "top_k": 0},
}


def recommended_sampling(family_key: str | None) -> dict[str, Any]:
    """The family's recommended values alone (what a settings view shows as its defaults)."""
    return dict(RECOMMENDED.get(family_key or "", {}))


def default_settings(family_key: str | None) -> dict[str, Any]:
    """Every sampling setting for a new conversation with a model of this family."""
    return {**DEFAULT_SETTINGS, **recommended_sampling(family_key)}


def sampling_for(family_key: str | None, settings: Mapping[str, Any] | None = None) -> SamplingParams:
    """The sampling for an answer: defaults, then the family's recommendation, then `settings`
    (keys of DEFAULT_SETTINGS; others are ignored, a None value means "not set")."""
    given = {k: v for k, v in (settings or {}).items() if k in DEFAULT_SETTINGS and v is not None}
    merged = {**default_settings(family_key), **given}
    return SamplingParams(
        temperature=float(merged["temperature"]),
        top_p=float(merged["top_p"]),
        top_k=int(merged["top_k"]),
        min_p=float(merged["min_p"]),
        repeat_penalty=float(merged["repeat_penalty"]),
        max_tokens=int(merged["max_tokens"]) or None,
        seed=int(merged["seed"]) if int(merged["seed"]) >= 0 else None,
    )


def thinking_choice(settings: Mapping[str, Any]) -> bool | None:
    """The conversation's reasoning switch; None keeps the template's own default."""
    value = settings.get("thinking")
    return value if isinstance(value, bool) else None
