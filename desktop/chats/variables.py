"""Variables in saved prompts, parsed and filled without a window.

    Summarise {{selection}} for {{audience|my team}} in a {{tone|friendly}} tone.

- `{{name}}`: a value the user gives. Names are letters, digits and `_`, words joined by single
  spaces or `-` (`{{target language}}`); spaces around the name are ignored.
- `{{name|default}}`: the default when no value (or an empty one) is given.
- Built-ins: `{{date}}` (2025-06-01) and `{{time}}` (14:05) of this machine's clock,
  `{{clipboard}}` (in the window), `{{selection}}` (the message being answered: the newest
  message of the chat in the window, stdin for `hearth prompts run`), `{{file:PATH}}` (a text
  file on this machine; PATH relative to the home folder in the window, to the current folder on
  the command line). A built-in with a default uses it when it has nothing (an empty clipboard).
- `\\{{` and `\\}}` write the braces themselves.

Whatever cannot be filled is a problem, said in one sentence each: a variable without a value,
an unknown built-in, a missing or unreadable file, an unclosed `{{`. `fill` raises them all at
once; the text sent to a model never carries a literal `{{…}}`.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from desktop.chats.errors import PromptFillError

BUILTINS = ("date", "time", "clipboard", "selection", "file")
# A prompt is sent to a model with a context of a few thousand tokens: a bigger file is a mistake.
MAX_FILE_BYTES = 256 * 1024

_TOKEN = re.compile(r"\\(\{\{|\}\})|\{\{([^\n]*?)\}\}")
_NAME = re.compile(r"[^\W\d]\w*(?:[ -]\w+)*")
_KNOWN = "{{date}}, {{time}}, {{clipboard}}, {{selection}} and {{file:PATH}}"


@dataclass(frozen=True)
class Placeholder:
    source: str  # exactly as written: "{{tone|friendly}}"
    name: str  # the variable's name, or the built-in's ("file")
    default: str | None
    builtin: str | None = None  # one of BUILTINS, or None for a user variable
    argument: str = ""  # the path of {{file:PATH}}


@dataclass(frozen=True)
class Variable:
    """A value the user gives, with the default written in the prompt, if any."""

    name: str
    default: str | None


@dataclass(frozen=True)
class ParsedPrompt:
    parts: tuple[str | Placeholder, ...]
    problems: tuple[str, ...]  # what is malformed in the text itself

    @property
    def placeholders(self) -> list[Placeholder]:
        return [part for part in self.parts if isinstance(part, Placeholder)]

    @property
    def variables(self) -> list[Variable]:
        """The user's variables, each once, in order; the first default written wins."""
        found: dict[str, Variable] = {}
        for item in self.placeholders:
            if item.builtin is None:
                known = found.get(item.name)
                if known is None or (known.default is None and item.default is not None):
                    found[item.name] = Variable(item.name, item.default)
        return list(found.values())

    @property
    def has_placeholders(self) -> bool:
        return bool(self.placeholders) or bool(self.problems)


@dataclass(frozen=True)
class FillContext:
    """What the built-ins are filled from; the caller (window or command line) decides."""

    now: datetime = field(default_factory=datetime.now)
    clipboard: Callable[[], str] | None = None  # None: there is no clipboard here
    selection: str | None = None  # None: nothing is being answered
    selection_hint: str = "there is no message to answer yet"  # why `selection` is None
    base_folder: Path = field(default_factory=Path.home)  # where a relative {{file:PATH}} starts


def parse(text: str) -> ParsedPrompt:
    parts: list[str | Placeholder] = []
    problems: list[str] = []
    literal = ""
    position = 0

    def plain(start: int, end: int) -> str:
        # Escaped braces and whole placeholders are matches: a `{{` left in between is never closed.
        chunk = text[start:end]
        if (opening := chunk.find("{{")) >= 0:
            line = text[: start + opening].count("\n") + 1
            problems.append(f"A {{{{ on line {line} is never closed with }}}} on its line; "
                            "write \\{{ for the braces themselves.")
        return chunk

    for match in _TOKEN.finditer(text):
        literal += plain(position, match.start())
        position = match.end()
        if match.group(1) is not None:
            literal += match.group(1)  # an escaped brace pair
            continue
        if literal:
            parts.append(literal)
            literal = ""
        placeholder, problem = _placeholder(match.group(0), match.group(2))
        if problem:
            problems.append(problem)
        parts.append(placeholder)
    literal += plain(position, len(text))
    if literal:
        parts.append(literal)
    return ParsedPrompt(tuple(parts), tuple(problems))


def _placeholder(source: str, body: str) -> tuple[Placeholder, str | None]:
    head, bar, default_text = body.partition("|")
    default = default_text.strip() if bar else None
    head = head.strip()
    kind, colon, argument = head.partition(":")
    kind = kind.strip()
    if colon:
        if kind.lower() == "file":
            path = argument.strip()
            problem = None if path else f"{source} names no file: write {{{{file:PATH}}}}."
            return Placeholder(source, "file", default, "file", path), problem
        return Placeholder(source, kind, default, "unknown"), f"{source} is not a built-in: Hearth knows {_KNOWN}."
    if not head:
        return Placeholder(source, "", default, "unknown"), f"{source} has no name inside the braces."
    if head.lower() in BUILTINS:
        if head.lower() == "file":
            return Placeholder(source, "file", default, "file"), f"{source} names no file: write {{{{file:PATH}}}}."
        return Placeholder(source, head.lower(), default, head.lower()), None
    if not _NAME.fullmatch(head):
        problem = (f"{source} is not a variable: names are letters, digits, _ and single spaces or -, "
                   "starting with a letter (write \\{{ for the braces themselves).")
        return Placeholder(source, head, default, "unknown"), problem
    return Placeholder(source, head, default), None


def _given(values: Mapping[str, str], name: str) -> str | None:
    value = values.get(name)
    return value if value is not None and value.strip() else None


def fill_partial(text: str | ParsedPrompt, values: Mapping[str, str], context: FillContext) -> tuple[str, list[str]]:
    """The text with every placeholder that can be filled filled, and the problems with the rest
    (those stay as written, for a preview to show)."""
    parsed = parse(text) if isinstance(text, str) else text
    problems = list(parsed.problems)
    out: list[str] = []
    for part in parsed.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value, problem = _value(part, values, context)
        if value is None:
            if problem and problem not in problems:
                problems.append(problem)
            out.append(part.source)
        else:
            out.append(value)
    return "".join(out), problems


def fill(text: str | ParsedPrompt, values: Mapping[str, str], context: FillContext) -> str:
    """The text to send; PromptFillError names every placeholder that cannot be filled."""
    filled, problems = fill_partial(text, values, context)
    if problems:
        raise PromptFillError(problems)
    return filled


def _value(item: Placeholder, values: Mapping[str, str], context: FillContext) -> tuple[str | None, str | None]:
    if item.builtin is None:
        value = _given(values, item.name)
        if value is None:
            value = item.default
        return value, None if value is not None else f"Give a value for {item.source}."
    if item.builtin == "unknown":
        return None, None  # already a problem of the text itself
    if item.builtin == "date":
        return context.now.strftime("%Y-%m-%d"), None
    if item.builtin == "time":
        return context.now.strftime("%H:%M"), None
    if item.builtin == "clipboard":
        if context.clipboard is None:
            return item.default, None if item.default is not None else "{{clipboard}} works only in the window."
        value = context.clipboard()
        if value.strip():
            return value, None
        return item.default, None if item.default is not None else "{{clipboard}}: the clipboard holds no text."
    if item.builtin == "selection":
        if context.selection is not None and context.selection.strip():
            return context.selection, None
        return item.default, None if item.default is not None else f"{{{{selection}}}}: {context.selection_hint}."
    if not item.argument:
        return None, None  # {{file:}}: already a problem of the text
    try:
        return read_text_file(item.argument, context.base_folder), None
    except PromptFillError as exc:
        return item.default, None if item.default is not None else exc.problems[0]


def read_text_file(spec: str, base_folder: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A text file's contents for {{file:PATH}}: a regular file (never a folder, device or pipe,
    which could block), at most `limit` bytes, UTF-8 text. PromptFillError says what is wrong."""
    source = f"{{{{file:{spec}}}}}"
    path = Path(spec).expanduser()
    if not path.is_absolute():
        path = base_folder / path
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise PromptFillError([f"{source}: there is no file at {path}."]) from None
    except IsADirectoryError:
        raise PromptFillError([f"{source}: {path} is a folder, not a file."]) from None
    except OSError as exc:
        raise PromptFillError([f"{source}: cannot open {path} ({exc.strerror or exc})."]) from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise PromptFillError([f"{source}: {path} is a folder, not a file."])
        if not stat.S_ISREG(info.st_mode):
            raise PromptFillError([f"{source}: {path} is not a regular file."])
        if info.st_size > limit:
            raise PromptFillError([f"{source}: {path} is {info.st_size:,} bytes; a prompt takes files up to "
                                   f"{limit // 1024} KiB."])
        data = os.read(descriptor, limit + 1)
    except OSError as exc:
        raise PromptFillError([f"{source}: cannot read {path} ({exc.strerror or exc})."]) from None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise PromptFillError([f"{source}: {path} is larger than {limit // 1024} KiB."])
    if b"\x00" in data:
        raise PromptFillError([f"{source}: {path} is not a text file."])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PromptFillError([f"{source}: {path} is not UTF-8 text."]) from None
