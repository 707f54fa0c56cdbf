"""Errors the conversation store raises; each message is one plain sentence a user can act on."""

from __future__ import annotations

from desktop.errors import HearthError


class StoreError(HearthError):
    """The chat database cannot be opened or used (not a database, from a newer Hearth, locked...)."""


class NotFoundError(StoreError):
    """A conversation or message id that is not in the database (or was purged)."""


class DamagedStoreError(StoreError):
    """SQLite reported the file damaged; the store has stopped writing to it. The window offers to
    move it aside (kept for recovery) and start a fresh one."""


class PromptFillError(HearthError):
    """A saved prompt's placeholders cannot all be filled; `problems` has one sentence for each."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__(" ".join(self.problems))
