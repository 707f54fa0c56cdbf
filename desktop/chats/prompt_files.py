"""Saved prompts as plain Markdown files, to share them: a small header, then the prompt.

    ---
    name: Code review
    description: Bugs first, then style
    hearth: prompt
    ---
    Review this diff for bugs, then style: {{file:change.diff}}

A Markdown file without the header is a prompt too: its name is the file's name. Files are read
as untrusted input: at most MAX_PROMPT_FILE_BYTES, UTF-8 text, a header of a few short lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from desktop.chats.errors import StoreError
from desktop.chats.prompts import MAX_NAME_LENGTH, SavedPrompt

MAX_PROMPT_FILE_BYTES = 256 * 1024
_MAX_HEADER_LINES = 20
_FENCE = "---"


@dataclass(frozen=True)
class PromptFile:
    """A prompt read from a file, not stored yet."""

    name: str
    description: str
    text: str


def to_markdown(prompt: SavedPrompt) -> str:
    lines = [_FENCE, f"name: {_one_line(prompt.name)}"]
    if prompt.description:
        lines.append(f"description: {_one_line(prompt.description)}")
    lines += ["hearth: prompt", _FENCE, prompt.text.rstrip("\n"), ""]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def from_markdown(text: str, fallback_name: str) -> PromptFile:
    """The prompt in `text`; StoreError when there is none to take."""
    lines = text.replace("\r\n", "\n").split("\n")
    header: dict[str, str] = {}
    body = lines
    if lines and lines[0].strip() == _FENCE:
        end = next((i for i, line in enumerate(lines[1 : _MAX_HEADER_LINES + 2], 1) if line.strip() == _FENCE), None)
        if end is not None:
            for line in lines[1:end]:
                key, colon, value = line.partition(":")
                if colon:
                    header[key.strip().lower()] = value.strip()
            body = lines[end + 1 :]
    prompt = "\n".join(body).strip("\n")
    if not prompt.strip():
        raise StoreError(f"'{fallback_name}' holds no prompt text.")
    name = _one_line(header.get("name", "")) or _one_line(fallback_name) or "Imported prompt"
    return PromptFile(name[:MAX_NAME_LENGTH], _one_line(header.get("description", "")), prompt)


def read_prompt_file(path: Path) -> PromptFile:
    """A prompt from a Markdown (or text) file; StoreError with the reason when it cannot be."""
    try:
        if not path.is_file():
            raise StoreError(f"{path} is not a file." if path.exists() else f"There is no file at {path}.")
        size = path.stat().st_size
        if size > MAX_PROMPT_FILE_BYTES:
            raise StoreError(f"{path.name} is {size:,} bytes; a prompt file can be at most "
                             f"{MAX_PROMPT_FILE_BYTES // 1024} KiB.")
        data = path.read_bytes()[: MAX_PROMPT_FILE_BYTES + 1]
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if b"\x00" in data:
        raise StoreError(f"{path.name} is not a text file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StoreError(f"{path.name} is not UTF-8 text.") from None
    return from_markdown(text, path.stem)


def file_name(name: str) -> str:
    """A safe file name for a prompt called `name` (no folders, no leading dots)."""
    slug = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip(".-")[:60]
    return f"{slug or 'prompt'}.md"


def write_prompt_files(prompts: list[SavedPrompt], folder: Path) -> list[Path]:
    """One Markdown file per prompt in `folder`, never overwriting a file already there."""
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for prompt in prompts:
            target = folder / file_name(prompt.name)
            n = 1
            while target.exists():
                n += 1
                target = folder / f"{Path(file_name(prompt.name)).stem}-{n}.md"
            target.write_text(to_markdown(prompt), encoding="utf-8")
            written.append(target)
    except OSError as exc:
        raise StoreError(f"Cannot write to {folder}: {exc.strerror or exc}.") from exc
    return written
