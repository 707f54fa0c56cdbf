"""SQLite's errors as the store's own: callers handle HearthError, and a full disk or a locked file
should reach them as one sentence."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from desktop.chats.connection import damaged_error
from desktop.chats.errors import StoreError
from desktop.sqlite_file import is_damage, sqlite3

P = ParamSpec("P")
R = TypeVar("R")


class _OnFile(Protocol):
    path: Path


S = TypeVar("S", bound=_OnFile)


def sql_errors(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Turn sqlite3.Error raised by `method` into StoreError naming the database file; a damaged
    file into DamagedStoreError, after the store (when it has `_stop_writing`) stopped writing."""

    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            if is_damage(exc):
                stop = getattr(self, "_stop_writing", None)
                raise (stop(exc) if stop is not None else damaged_error(self.path, exc)) from exc
            raise StoreError(f"The chat database {self.path.name} failed: {exc}.") from exc

    return wrapper
