"""`hearth assistants ...` and what an assistant brings to `hearth chat --assistant NAME`.

    list                                  saved assistants
    show NAME                             one assistant
    add NAME --system S [--model M] [--docs COLLECTION]... [--icon I] [--temperature T]
        [--lora ADAPTER[:SCALE]]... [--starter TEXT]...
    rm NAME                               delete it (its conversations stay)

`hearth chat --assistant NAME` answers with the assistant's system prompt, model, sampling,
adapters and first document collection; flags given on the command line win.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.cli.output import emit
from desktop.errors import HearthError
from desktop.paths import AppPaths

if TYPE_CHECKING:
    from desktop.chats import Assistant
    from models.engine import AdapterChoice


def add_assistants_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    assistants = commands.add_parser("assistants", help="saved assistants (persona, model, settings, documents)")
    actions = assistants.add_subparsers(dest="assistants_command", metavar="ACTION", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help)
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        return parser

    action("list", "saved assistants")
    action("show", "one assistant").add_argument("name")
    add = action("add", "save an assistant")
    add.add_argument("name")
    add.add_argument("-s", "--system", required=True, help="its system prompt")
    add.add_argument("-m", "--model", help="an installed model's name or a .gguf path (default: whatever is loaded)")
    add.add_argument("--docs", action="append", default=[], metavar="COLLECTION", help="a document collection")
    add.add_argument("--icon", default="", help="an emoji or a letter or two (default: the name's initial)")
    add.add_argument("--temperature", type=float)
    add.add_argument("--lora", action="append", default=[], metavar="ADAPTER[:SCALE]", help="a LoRA adapter")
    add.add_argument("--starter", action="append", default=[], metavar="TEXT", help="a starter prompt")
    action("rm", "delete an assistant").add_argument("name")


def run_assistants_command(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.chats import ChatStore, database_path

    with ChatStore(database_path(paths)) as store:
        handlers = {"list": _list, "show": _show, "add": _add, "rm": _remove}
        result: int = handlers[args.assistants_command](args, store, paths)
        return result


def _row(assistant: Assistant) -> dict[str, Any]:
    return {
        "name": assistant.name,
        "icon": assistant.badge,
        "system_prompt": assistant.system_prompt,
        "model": assistant.model,
        "settings": assistant.settings,
        "collections": list(assistant.collections),
        "starters": list(assistant.starters),
    }


def _line(assistant: Assistant) -> str:
    model = assistant.model or "whatever is loaded"
    docs = f", documents: {', '.join(assistant.collections)}" if assistant.collections else ""
    adapters = [a.get("name") or a.get("path") for a in assistant.settings.get("adapters", [])]
    lora = f", adapters: {', '.join(map(str, adapters))}" if adapters else ""
    return f"{assistant.badge:2} {assistant.name:28} {model}{docs}{lora}"


def _list(args: argparse.Namespace, store: Any, _paths: AppPaths) -> int:
    assistants = store.assistants.list_assistants()
    if not assistants and not args.json:
        print("No assistants yet: hearth assistants add NAME --system '...'", file=sys.stderr)
    return emit(args, [_row(a) for a in assistants], [_line(a) for a in assistants])


def _show(args: argparse.Namespace, store: Any, _paths: AppPaths) -> int:
    assistant = store.assistants.find(args.name)
    lines = [_line(assistant), "", assistant.system_prompt]
    lines += [f"Starter: {s}" for s in assistant.starters]
    return emit(args, _row(assistant), lines)


def _add(args: argparse.Namespace, store: Any, paths: AppPaths) -> int:
    from desktop.cli.adapters import settings_entry

    settings: dict[str, Any] = {}
    if args.temperature is not None:
        settings["temperature"] = args.temperature
    if args.lora:
        settings["adapters"] = [settings_entry(spec, paths) for spec in args.lora]
    model = args.model
    if model:
        from pathlib import Path

        from models.library import resolve_model

        resolved = resolve_model(model, paths.models)  # a name that matches nothing is refused now
        if Path(model).expanduser().is_file():
            model = str(resolved)  # a path works from any folder later
    assistant = store.assistants.add(args.name, args.system, icon=args.icon, model=model, settings=settings,
                                     collections=args.docs, starters=args.starter)
    return emit(args, _row(assistant), [f"Saved the assistant '{assistant.name}'."])


def _remove(args: argparse.Namespace, store: Any, _paths: AppPaths) -> int:
    assistant = store.assistants.find(args.name)
    if assistant.name.casefold() != " ".join(args.name.split()).casefold():
        raise HearthError(f"No assistant is called '{args.name}'; did you mean '{assistant.name}'?")
    store.assistants.delete(assistant.id)
    return emit(args, {"deleted": assistant.name}, [f"Deleted the assistant '{assistant.name}'."])


@dataclass(frozen=True)
class ChatChoices:
    """What `hearth chat` answers with, once an assistant and the flags are combined."""

    system: str | None
    model: str | None
    docs: str | None
    settings: dict[str, Any] = field(default_factory=dict)
    adapters: tuple[AdapterChoice, ...] = ()

    def describe_adapters(self) -> str:
        return ", ".join(f"{a.path.name} × {a.scale:g}" for a in self.adapters)


def chat_choices(args: argparse.Namespace, paths: AppPaths) -> ChatChoices:
    from desktop.cli.adapters import parse_lora
    from models.engine import adapter_choices

    assistant = None
    if getattr(args, "assistant", None):
        from desktop.chats import ChatStore, database_path

        with ChatStore(database_path(paths)) as store:
            assistant = store.assistants.find(args.assistant)
    settings = dict(assistant.settings) if assistant else {}
    docs = args.docs
    if docs is None and assistant is not None and assistant.collections:
        docs = assistant.collections[0]
        if len(assistant.collections) > 1:
            print(f"Note: answering from '{docs}'; the command line searches one collection at a time.",
                  file=sys.stderr)
    adapters = adapter_choices(settings) + tuple(parse_lora(spec, paths) for spec in getattr(args, "lora", []))
    return ChatChoices(
        system=args.system if args.system is not None else (assistant.system_prompt or None if assistant else None),
        model=args.model or (assistant.model if assistant else None),
        docs=docs,
        settings=settings,
        adapters=adapters,
    )
