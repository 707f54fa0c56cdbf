"""Assistants: a name, an icon, a system prompt, a model, sampling settings, LoRA adapters,
document collections and starter prompts, kept in the chat database. A conversation started with
one copies its system prompt, settings and model (so editing the assistant later leaves old chats
as they were) and remembers which assistant it came from (`Conversation.assistant_id`).

`settings` has a conversation's keys: sampling (models.families.DEFAULT_SETTINGS), `thinking`,
and `adapters`, a list of {"name", "path", "scale"} for LoRA adapters on the model.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.chats.errors import NotFoundError, StoreError
from desktop.chats.prompts import clean_name, find_by_name
from desktop.chats.sql_errors import sql_errors
from desktop.chats.types import Conversation
from desktop.sqlite_file import sqlite3

if TYPE_CHECKING:
    from desktop.chats.store import ChatStore

_COLUMNS = "id, name, icon, system_prompt, model, settings, collections, starters, created_at, updated_at"
MAX_STARTERS = 8


@dataclass(frozen=True)
class Assistant:
    id: int
    name: str
    icon: str  # an emoji or a letter or two; empty: the name's initial
    system_prompt: str
    model: str | None  # an installed model's name or a path; None: whatever is loaded
    settings: dict[str, Any] = field(default_factory=dict)
    collections: tuple[str, ...] = ()  # document collections by name, searched for its answers
    starters: tuple[str, ...] = ()  # prompts offered in a new chat (they may have variables)
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def badge(self) -> str:
        """What stands for it in lists: its icon, or its name's first letter."""
        return self.icon or self.name[:1].upper()


def _row(row: Any) -> Assistant:
    settings, collections, starters = (json.loads(row[i]) for i in (5, 6, 7))
    return Assistant(row[0], row[1], row[2], row[3], row[4], dict(settings), tuple(collections), tuple(starters),
                     row[8], row[9])


def _clean_list(values: Sequence[str]) -> list[str]:
    return [value.strip() for value in values if value.strip()]


def _icon(icon: str) -> str:
    icon = icon.strip()
    if len(icon) > 4 or "\n" in icon:
        raise StoreError("An assistant's icon is an emoji or one or two letters.")
    return icon


class Assistants:
    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Callable[[], float] = time.time) -> None:
        self._conn, self.path, self._clock = conn, path, clock

    @sql_errors
    def list_assistants(self) -> list[Assistant]:
        rows = self._conn.execute(f"SELECT {_COLUMNS} FROM assistants ORDER BY name COLLATE NOCASE, id")
        return [_row(row) for row in rows]

    @sql_errors
    def get(self, assistant_id: int) -> Assistant:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM assistants WHERE id = ?", (assistant_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"Assistant {assistant_id} does not exist.")
        return _row(row)

    def find(self, spec: str) -> Assistant:
        return find_by_name(self.list_assistants(), spec, lambda a: a.name, "assistant")

    @sql_errors
    def add(
        self,
        name: str,
        system_prompt: str = "",
        *,
        icon: str = "",
        model: str | None = None,
        settings: dict[str, Any] | None = None,
        collections: Sequence[str] = (),
        starters: Sequence[str] = (),
    ) -> Assistant:
        name = clean_name(name, "assistant")
        now = self._clock()
        try:
            cursor = self._conn.execute(
                f"INSERT INTO assistants ({_COLUMNS.removeprefix('id, ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, _icon(icon), system_prompt, model or None, json.dumps(settings or {}),
                 json.dumps(_clean_list(collections)), json.dumps(_clean_list(starters)[:MAX_STARTERS]), now, now),
            )  # fmt: skip
        except sqlite3.IntegrityError:
            raise StoreError(f"An assistant called '{name}' already exists.") from None
        assert cursor.lastrowid is not None
        return self.get(cursor.lastrowid)

    @sql_errors
    def update(self, assistant_id: int, /, **changes: Any) -> Assistant:
        """Change the given fields (the keyword arguments of `add`); `model=None` means "whatever
        is loaded", so every given field is written."""
        current = self.get(assistant_id)
        values: dict[str, Any] = {}
        for key, value in changes.items():
            if key == "name":
                values[key] = clean_name(value, "assistant")
            elif key == "icon":
                values[key] = _icon(value)
            elif key in ("system_prompt",):
                values[key] = value
            elif key == "model":
                values[key] = value or None
            elif key == "settings":
                values[key] = json.dumps(value or {})
            elif key in ("collections", "starters"):
                values[key] = json.dumps(_clean_list(value)[: MAX_STARTERS if key == "starters" else None])
            else:
                raise TypeError(f"unknown assistant field {key!r}")
        if not values:
            return current
        assignments = ", ".join(f"{column} = ?" for column in values)
        try:
            self._conn.execute(f"UPDATE assistants SET {assignments}, updated_at = ? WHERE id = ?",
                               (*values.values(), self._clock(), assistant_id))
        except sqlite3.IntegrityError:
            raise StoreError(f"An assistant called '{values.get('name')}' already exists.") from None
        return self.get(assistant_id)

    @sql_errors
    def delete(self, assistant_id: int) -> None:
        """Remove it; its conversations stay, no longer linked to an assistant."""
        if self._conn.execute("DELETE FROM assistants WHERE id = ?", (assistant_id,)).rowcount == 0:
            raise NotFoundError(f"Assistant {assistant_id} does not exist.")


def conversation_values(assistant: Assistant) -> dict[str, Any]:
    """What a conversation started with `assistant` is created with (ChatStore.create_conversation's
    keyword arguments): its system prompt, a copy of its settings, its model and its id."""
    return {
        "system_prompt": assistant.system_prompt,
        "settings": json.loads(json.dumps(assistant.settings)),
        "model": assistant.model,
        "assistant_id": assistant.id,
    }


def start_conversation(store: ChatStore, assistant: Assistant, title: str = "New chat") -> Conversation:
    """A new conversation with `assistant`: its system prompt, settings and model, linked to it."""
    return store.create_conversation(title=title, **conversation_values(assistant))
