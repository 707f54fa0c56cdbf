"""`hearth models remote add|list|rm` and `hearth chat -m remote:NAME/MODEL`: remote engines
(vLLM, llama-server, Ollama, LM Studio, another Hearth) from a terminal.

    remote add NAME URL [--api-key-file F] [--ca-file F]   save an endpoint (the key to the keychain)
    remote list                                            endpoints and their models
    remote rm NAME                                         forget an endpoint and its key

The key is read from a file (or stdin with `-`), never from the command line, where other
users of the machine could see it in the process list.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from desktop.cli.output import emit, notice
from desktop.errors import HearthError
from desktop.paths import AppPaths
from desktop.settings import SettingsFile
from desktop.text import printable


def add_remote_parser(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    remote = actions.add_parser("remote", help="remote engines (vLLM, llama-server, Ollama, another Hearth)")
    commands = remote.add_subparsers(dest="remote_command", metavar="ACTION", required=True)
    add = commands.add_parser("add", help="save an OpenAI-compatible endpoint and list its models")
    add.add_argument("name", help="a short name, used as remote:NAME/MODEL")
    add.add_argument("url", help="its base URL, e.g. http://gpu-box:8000/v1")
    add.add_argument("--api-key-file", metavar="FILE", help="a file holding its API key ('-': stdin)")
    add.add_argument("--ca-file", metavar="FILE", help="a CA certificate bundle for a server with its own CA")
    add.add_argument("--json", action="store_true", help="machine-readable output")
    listing = commands.add_parser("list", help="saved endpoints and their models")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    remove = commands.add_parser("rm", help="forget an endpoint and its key")
    remove.add_argument("name")
    remove.add_argument("--json", action="store_true", help="machine-readable output")


def _endpoints(paths: AppPaths) -> Any:
    from desktop.remotes import RemoteEndpoints
    from models.private import private_folder

    private_folder(paths.config)
    return RemoteEndpoints(paths.config)


def _offline(paths: AppPaths) -> bool:
    return SettingsFile(paths.settings_file).load().offline


def run_remote_command(args: argparse.Namespace, paths: AppPaths) -> int:
    command = args.remote_command
    if command == "add":
        return _add(args, paths)
    if command == "rm":
        endpoint = _endpoints(paths).remove(args.name)
        return emit(args, {"removed": endpoint.name}, [f"Removed {endpoint.name} ({endpoint.url}) and its key."])
    return _list(args, paths)


def _read_key(source: str) -> str:
    from desktop.remotes import clean_key

    if source == "-":
        return clean_key(sys.stdin.readline())
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise HearthError(f"The API key file {source} cannot be read ({exc.strerror or exc}).") from exc
    if len(data) > 16384:
        raise HearthError(f"{source} is too large to be an API key file.")
    try:
        return clean_key(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise HearthError(f"{source} is not a text file holding an API key.") from exc


def _add(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.remotes import list_remote_models

    key = _read_key(args.api_key_file) if args.api_key_file else None
    endpoints = _endpoints(paths)
    endpoint = endpoints.add(args.name, args.url, key, Path(args.ca_file) if args.ca_file else None)
    where = {"keychain": "; its key is in the keychain", "file": "; its key is in a private file (no keychain here)",
             None: ""}[endpoint.key]
    notice(f"Saved {endpoint.name}: {endpoint.url}{where}.")
    listings = list_remote_models(endpoints, _offline(paths))
    listing = next(item for item in listings if item.endpoint.name == endpoint.name)
    if listing.problem:
        notice(f"Note: its models cannot be listed now: {listing.problem}")
    rows = [_row(listing)]
    return emit(args, rows[0], _lines(rows))


def _row(listing: Any) -> dict[str, Any]:
    return {
        "name": listing.endpoint.name,
        "url": listing.endpoint.url,
        "host": listing.host,
        "key": listing.endpoint.key,
        "models": [{"id": m.id, "ref": ref, "context_length": m.context_length}
                   for m, ref in zip(listing.models, listing.refs(), strict=True)],
        "problem": listing.problem,
    }


def _lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = []
    for row in rows:
        lines.append(f"{row['name']}  {row['url']}" + ("  (API key)" if row["key"] else ""))
        if row["problem"]:
            lines.append(f"  ! {printable(row['problem'])}")
        lines.extend(f"  {printable(model['ref'])}" for model in row["models"])
    return lines


def _list(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.remotes import list_remote_models

    rows = [_row(listing) for listing in list_remote_models(_endpoints(paths), _offline(paths))]
    if not rows and not args.json:
        notice("No remote endpoints yet; add one with `hearth models remote add NAME URL`.")
    return emit(args, rows, _lines(rows))


def remote_model_rows(paths: AppPaths) -> tuple[list[dict[str, Any]], list[str]]:
    """`hearth models list`'s remote part: one row per remote model, problems as notes."""
    from desktop.remotes import list_remote_models

    rows: list[dict[str, Any]] = []
    problems = []
    for listing in list_remote_models(_endpoints(paths), _offline(paths)):
        if listing.problem:
            problems.append(f"{listing.endpoint.name}: {listing.problem}")
        for model, ref in zip(listing.models, listing.refs(), strict=True):
            rows.append({"name": ref, "origin": "remote", "host": listing.host, "url": listing.endpoint.url,
                         "context_length": model.context_length})
    return rows, problems


def chat_remote(args: argparse.Namespace, paths: AppPaths, messages: list[dict[str, str]]) -> int:
    """`hearth chat -m remote:NAME/MODEL`: the answer streamed to stdout; Ctrl+C closes the stream."""
    from desktop.remotes import RemoteEndpoints, client_for, parse_remote_ref
    from models.cancel import CancelToken
    from models.remote import remote_answer, sampling_from

    if args.docs or args.dry_run or args.show_tokens or args.template or args.safe_mode is not None or args.ctx:
        used = [flag for flag, on in (("--docs", args.docs), ("--dry-run", args.dry_run or args.show_tokens),
                                      ("--template", args.template), ("--safe-mode", args.safe_mode is not None),
                                      ("--ctx", args.ctx)) if on]
        raise HearthError(f"{', '.join(used)} work with local models only; the remote engine renders its own prompt.")
    ref = parse_remote_ref(args.model)
    endpoints = RemoteEndpoints(paths.config)
    client = client_for(endpoints, endpoints.get(ref.endpoint), _offline(paths))
    sampling = sampling_from({"temperature": args.temperature, "seed": args.seed, "max_tokens": args.max_tokens})
    notice(f"Asking {ref.model} at {client.host}; your prompt is sent there.")
    cancel = CancelToken()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.cancel())
    shown = printable if sys.stdout.isatty() else str
    try:
        stats = remote_answer(client, ref.model, messages, sampling,
                              lambda text: print(shown(text), end="", flush=True), cancel, args.thinking)
    finally:
        signal.signal(signal.SIGINT, previous)
    print(flush=True)
    if args.stats:
        notice(f"{ref} on {client.host}: {stats.summary()}")
    return 130 if stats.stop_reason == "cancelled" else 0
