"""Fit a conversation into the model's context by leaving out its oldest turns.

Kept always: the system prompt and the newest turn. Left out first: the oldest turns, whole
(a user message with the answers that follow it), so the history never starts mid-exchange.

Where the cut falls matters for speed: the engine reuses the evaluated prefix of the previous
prompt, and a cut that moves by one turn every turn changes the prefix every turn, forcing
the whole context to be evaluated again (a minute per answer for a 7B model on a laptop).
So cuts are only made at fixed points, every quarter of a context's worth of tokens counted
from the start of the conversation. Those points do not move as the conversation grows,
and the prompt's prefix stays the same for about a quarter of a context of new turns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from models.errors import ContextOverflowError
from models.families import Message

# Messages cost their text plus the template's role markers; a rough constant is enough for
# placing cut points, which only need to be stable, not exact.
_PER_MESSAGE_OVERHEAD = 8


@dataclass(frozen=True)
class FittedPrompt:
    messages: tuple[Message, ...]
    text: str
    tokens: tuple[int, ...]
    dropped: int  # messages left out from the start of the history


def _split_turns(messages: Sequence[Message]) -> tuple[list[Message], list[list[Message]]]:
    system: list[Message] = []
    rest = list(messages)
    while rest and rest[0].get("role") == "system":
        system.append(rest.pop(0))
    turns: list[list[Message]] = []
    for message in rest:
        if message.get("role") == "user" or not turns:
            turns.append([message])
        else:
            turns[-1].append(message)
    return system, turns


def _cut_points(turns: list[list[Message]], count: Callable[[str], int], n_ctx: int) -> list[int]:
    step = max(1, n_ctx // 4)
    points, offset, next_mark = [], 0, step
    for index, turn in enumerate(turns):
        if offset >= next_mark:
            points.append(index)
            next_mark = (offset // step + 1) * step
        offset += sum(count(m.get("content", "")) + _PER_MESSAGE_OVERHEAD for m in turn)
    return points


def fit_to_context(
    messages: Sequence[Message],
    render: Callable[[Sequence[Message]], str],
    tokenize: Callable[[str], list[int]],
    n_ctx: int,
    reserve: int,
) -> FittedPrompt:
    """Render `messages`, leaving out the oldest turns until prompt + `reserve` fit in `n_ctx`."""
    system, turns = _split_turns(messages)
    budget = n_ctx - reserve

    def attempt(first_turn: int) -> FittedPrompt:
        kept = system + [m for turn in turns[first_turn:] for m in turn]
        text = render(kept)
        dropped = sum(len(turn) for turn in turns[:first_turn])
        return FittedPrompt(tuple(kept), text, tuple(tokenize(text)), dropped)

    whole = attempt(0)
    if len(whole.tokens) <= budget:
        return whole
    last = len(turns) - 1
    newest_only = attempt(last)
    if len(newest_only.tokens) > budget:
        raise ContextOverflowError(
            f"The message is too long for this model's context: the prompt needs "
            f"{len(newest_only.tokens):,} tokens, and the {n_ctx:,}-token context has room for "
            f"{budget:,} after keeping {reserve:,} for the answer. Shorten the message or raise "
            f"the context length."
        )
    # Binary search for the fewest turns to leave out: the prompt shrinks as more go.
    low, high = 1, last
    while low < high:
        middle = (low + high) // 2
        if len(attempt(middle).tokens) <= budget:
            high = middle
        else:
            low = middle + 1
    count = lambda text: len(tokenize(text))  # noqa: E731
    stable = next((p for p in _cut_points(turns, count, n_ctx) if low <= p <= last), low)
    return attempt(stable)
