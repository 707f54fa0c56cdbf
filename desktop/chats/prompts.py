"""The prompt library: saved prompts, with variables (desktop.chats.variables), in the chat database.

Names are unique regardless of case; `find` takes a name, or an unambiguous part of one, which is
what `hearth prompts show NAME` and the window's `/` filter use. Like the store around it, a
library belongs to the thread that opened the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from desktop.chats.errors import NotFoundError, StoreError
from desktop.chats.sql_errors import sql_errors
from desktop.sqlite_file import sqlite3

T = TypeVar("T")
MAX_NAME_LENGTH = 80
_COLUMNS = "id, name, description, text, created_at, updated_at"


@dataclass(frozen=True)
class SavedPrompt:
    id: int
    name: str
    description: str
    text: str
    created_at: float
    updated_at: float

    def matches(self, query: str) -> bool:
        """Every word of `query` is in the name, the description or the text (any case)."""
        haystack = f"{self.name}\n{self.description}\n{self.text}".casefold()
        return all(word in haystack for word in query.casefold().split())


def clean_name(name: str, what: str) -> str:
    """A name on one line, spaces collapsed; StoreError for an empty or overlong one."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise StoreError(f"A {what} needs a name.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise StoreError(f"A {what}'s name can be at most {MAX_NAME_LENGTH} characters.")
    return cleaned


def find_by_name(items: list[T], spec: str, name_of: Callable[[T], str], what: str) -> T:
    """The item named `spec` (any case), or the only one whose name contains it."""
    wanted = " ".join(spec.split()).casefold()
    exact = [item for item in items if name_of(item).casefold() == wanted]
    if exact:
        return exact[0]
    partial = [item for item in items if wanted and wanted in name_of(item).casefold()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        names = ", ".join(name_of(item) for item in partial)
        raise NotFoundError(f"'{spec}' matches several {what}s: {names}.")
    known = ", ".join(name_of(item) for item in items) or "none yet"
    raise NotFoundError(f"There is no {what} called '{spec}'. Saved {what}s: {known}.")


class PromptLibrary:
    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Callable[[], float] = time.time) -> None:
        self._conn, self.path, self._clock = conn, path, clock

    @sql_errors
    def list_prompts(self, query: str = "") -> list[SavedPrompt]:
        """Every prompt by name; with `query`, those matching all its words."""
        rows = self._conn.execute(f"SELECT {_COLUMNS} FROM prompts ORDER BY name COLLATE NOCASE, id")
        prompts = [SavedPrompt(*row) for row in rows]
        return [p for p in prompts if p.matches(query)] if query.strip() else prompts

    @sql_errors
    def get(self, prompt_id: int) -> SavedPrompt:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM prompts WHERE id = ?", (prompt_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"Prompt {prompt_id} does not exist.")
        return SavedPrompt(*row)

    def find(self, spec: str) -> SavedPrompt:
        return find_by_name(self.list_prompts(), spec, lambda p: p.name, "prompt")

    def unique_name(self, name: str) -> str:
        """`name`, or `name (2)`, `name (3)`... whichever is free."""
        taken = {p.name.casefold() for p in self.list_prompts()}
        base = clean_name(name, "prompt")
        candidate, n = base, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{base[: MAX_NAME_LENGTH - 6]} ({n})"
        return candidate

    @sql_errors
    def add(self, name: str, text: str, description: str = "") -> SavedPrompt:
        name = clean_name(name, "prompt")
        if not text.strip():
            raise StoreError(f"The prompt '{name}' has no text.")
        now = self._clock()
        try:
            cursor = self._conn.execute(
                "INSERT INTO prompts (name, description, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (name, description.strip(), text, now, now),
            )
        except sqlite3.IntegrityError:
            raise StoreError(f"A prompt called '{name}' already exists.") from None
        assert cursor.lastrowid is not None
        return self.get(cursor.lastrowid)

    @sql_errors
    def update(
        self, prompt_id: int, *, name: str | None = None, text: str | None = None, description: str | None = None
    ) -> SavedPrompt:
        current = self.get(prompt_id)
        name = clean_name(name, "prompt") if name is not None else current.name
        if text is not None and not text.strip():
            raise StoreError(f"The prompt '{name}' has no text.")
        try:
            self._conn.execute(
                "UPDATE prompts SET name = ?, description = ?, text = ?, updated_at = ? WHERE id = ?",
                (name, current.description if description is None else description.strip(),
                 current.text if text is None else text, self._clock(), prompt_id),
            )  # fmt: skip
        except sqlite3.IntegrityError:
            raise StoreError(f"A prompt called '{name}' already exists.") from None
        return self.get(prompt_id)

    def duplicate(self, prompt_id: int) -> SavedPrompt:
        original = self.get(prompt_id)
        return self.add(self.unique_name(f"{original.name} copy"), original.text, original.description)

    @sql_errors
    def delete(self, prompt_id: int) -> None:
        if self._conn.execute("DELETE FROM prompts WHERE id = ?", (prompt_id,)).rowcount == 0:
            raise NotFoundError(f"Prompt {prompt_id} does not exist.")
