"""`hearth prompts ...`: the prompt library from a terminal.

    list                              saved prompts, with their variables
    show NAME                         one prompt's text
    add NAME --text T [-d DESC]       save a prompt (T from stdin when omitted)
    rm NAME                           delete one
    run NAME [--var K=V ...] [--dry-run] [chat options]
                                      fill its variables and answer it (--dry-run: print the filled
                                      text only); {{selection}} is what is piped into stdin
    import FILE...                    add prompts from Markdown files
    export [NAME...] --to FOLDER      write prompts as Markdown files (all of them by default)

NAME is a prompt's name (any case) or an unambiguous part of one. Every command takes --json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop.cli.output import emit
from desktop.errors import HearthError
from desktop.paths import AppPaths


def add_prompts_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from desktop.cli.main import add_chat_options

    prompts = commands.add_parser("prompts", help="saved prompts with variables")
    actions = prompts.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help)
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        return parser

    action("list", "saved prompts")
    action("show", "one prompt's text").add_argument("name")
    add = action("add", "save a prompt")
    add.add_argument("name")
    add.add_argument("--text", help="the prompt, with {{variables}}; read from stdin when omitted")
    add.add_argument("-d", "--description", default="")
    action("rm", "delete a prompt").add_argument("name")
    run = action("run", "fill a prompt's variables and answer it")
    run.add_argument("name")
    run.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="a variable's value")
    add_chat_options(run)
    imported = action("import", "add prompts from Markdown files")
    imported.add_argument("files", nargs="+", metavar="FILE")
    exported = action("export", "write prompts as Markdown files")
    exported.add_argument("names", nargs="*", metavar="NAME", help="default: every prompt")
    exported.add_argument("--to", required=True, metavar="FOLDER")


def run_prompts_command(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.chats import ChatStore, database_path

    with ChatStore(database_path(paths)) as store:
        handlers = {"list": _list, "show": _show, "add": _add, "rm": _remove, "run": _run,
                    "import": _import, "export": _export}
        result: int = handlers[args.prompts_command](args, store, paths)
        return result


def _row(prompt: Any) -> dict[str, Any]:
    from desktop.chats import parse

    parsed = parse(prompt.text)
    return {
        "name": prompt.name,
        "description": prompt.description,
        "text": prompt.text,
        "variables": [{"name": v.name, "default": v.default} for v in parsed.variables],
        "builtins": sorted({p.builtin for p in parsed.placeholders if p.builtin not in (None, "unknown")}),
    }


def _list(args: argparse.Namespace, store: Any, _paths: AppPaths) -> int:
    rows = [_row(p) for p in store.prompts.list_prompts()]
    lines = []
    for row in rows:
        names = [v["name"] + (f"={v['default']}" if v["default"] is not None else "") for v in row["variables"]]
        names += [f"{{{{{b}}}}}" for b in row["builtins"]]
        variables = f"  [{', '.join(names)}]" if names else ""
        lines.append(f"{row['name']:32} {row['description']}{variables}")
    if not rows and not args.json:
        print("No saved prompts yet: hearth prompts add NAME --text '...'", file=sys.stderr)
    return emit(args, rows, lines)


def _show(args: argparse.Namespace, store: Any, _paths: AppPaths) -> int:
    prompt = store.prompts.find(args.name)
    return emit(args, _row(prompt), [prompt.text])


def _add(args: argparse.Namespace, store: Any, _paths: AppPaths) -> int:
    from desktop.chats import parse

    text = args.text if args.text is not None else sys.stdin.read()
    problems = parse(text).problems
    if problems:
        raise HearthError(f"The prompt was not saved: {' '.join(problems)}")
    prompt = store.prompts.add(args.name, text, args.description)
    return emit(args, _row(prompt), [f"Saved the prompt '{prompt.name}'."])


def _remove(args: argparse.Namespace, store: Any, _paths: AppPaths) -> int:
    prompt = store.prompts.find(args.name)
    if prompt.name.casefold() != " ".join(args.name.split()).casefold():
        raise HearthError(f"No prompt is called '{args.name}'; did you mean '{prompt.name}'?")
    store.prompts.delete(prompt.id)
    return emit(args, {"deleted": prompt.name}, [f"Deleted the prompt '{prompt.name}'."])


def variable_values(pairs: list[str]) -> dict[str, str]:
    """--var NAME=VALUE pairs as a mapping; HearthError for one without '='."""
    values = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise HearthError(f"--var {pair!r} is not NAME=VALUE.")
        values[" ".join(name.split())] = value
    return values


def _run(args: argparse.Namespace, store: Any, paths: AppPaths) -> int:
    from desktop.chats import FillContext, fill, parse

    prompt = store.prompts.find(args.name)
    parsed = parse(prompt.text)
    values = variable_values(args.var)
    known = {v.name for v in parsed.variables}
    for name in values:
        if name not in known:
            print(f"Note: '{prompt.name}' has no variable '{name}'.", file=sys.stderr)
    uses_selection = any(p.builtin == "selection" for p in parsed.placeholders)
    selection = sys.stdin.read().rstrip("\n") if uses_selection and not sys.stdin.isatty() else None
    context = FillContext(selection=selection, selection_hint="pipe the text to work on into stdin",
                          base_folder=Path.cwd())
    text = fill(parsed, values, context)
    if args.dry_run and not args.show_tokens:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    from desktop.cli.main import chat

    args.prompt = text
    return chat(args, paths)


def _import(args: argparse.Namespace, store: Any, _paths: AppPaths) -> int:
    from desktop.chats import read_prompt_file

    added, failed = [], 0
    for name in args.files:
        try:
            found = read_prompt_file(Path(name))
            prompt = store.prompts.add(store.prompts.unique_name(found.name), found.text, found.description)
        except HearthError as exc:
            print(f"Skipped {name}: {exc}", file=sys.stderr)
            failed += 1
            continue
        added.append(prompt)
    emit(args, [_row(p) for p in added], [f"Added the prompt '{p.name}'." for p in added])
    return 1 if failed else 0


def _export(args: argparse.Namespace, store: Any, _paths: AppPaths) -> int:
    from desktop.chats import write_prompt_files

    prompts = [store.prompts.find(name) for name in args.names] if args.names else store.prompts.list_prompts()
    if not prompts:
        raise HearthError("There are no saved prompts to export.")
    written = write_prompt_files(prompts, Path(args.to).expanduser())
    return emit(args, [str(p) for p in written], [f"Wrote {p}" for p in written])
