"""`hearth`: the window by default, and headless subcommands for scripts and terminals.

Answers and listings go to stdout; progress and diagnostics to stderr. Errors exit non-zero
with one clear line. Qt is imported only when the window opens.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from desktop import __version__
from desktop.cli.output import notice
from desktop.errors import HearthError
from desktop.paths import AppPaths
from desktop.settings import SettingsFile, apply_network_policy
from desktop.sqlite_file import sqlite3
from desktop.text import printable
from models.errors import HearthModelError
from models.families import DEFAULT_MAX_TOKENS

if TYPE_CHECKING:
    from models.engine import Engine, SamplingParams

log = logging.getLogger(__name__)


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--model", help="installed model name, a .gguf path, 'starter' (default), "
                                              "or remote:ENDPOINT/MODEL")
    parser.add_argument("--ctx", type=int, metavar="N", help="context length cap (default 8192)")
    parser.add_argument("--safe-mode", action=argparse.BooleanOptionalAction, default=None,
                        help="load in safe mode (CPU only, no extra CPU kernels, no flash attention, context "
                             "2048); default: for models that crashed Hearth. --no-safe-mode loads normally, and "
                             "an answer that works then forgets safe mode for the model")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hearth", description="Chat with open-weight models on your own machine.")
    parser.add_argument("--version", action="version", version=f"Hearth {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log diagnostics to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = commands.add_parser("chat", help="stream one answer to stdout")
    add_chat_options(chat)
    chat.add_argument("prompt", nargs="?", help="the message; read from stdin when omitted")

    bench = commands.add_parser("bench", help="measure prompt and generation speed")
    _add_model_options(bench)
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--runs", type=int, default=3, help="repetitions; the median is reported")

    commands.add_parser("diagnostics", help="versions, backend, CPU kernels and the last crash, for a bug report")

    from desktop.cli.models import add_models_parser

    add_models_parser(commands)
    from desktop.cli.docs import add_docs_parser

    add_docs_parser(commands)
    from desktop.cli.adapters import add_adapters_parser
    from desktop.cli.assistants import add_assistants_parser
    from desktop.cli.prompts import add_prompts_parser

    add_prompts_parser(commands)
    add_assistants_parser(commands)
    add_adapters_parser(commands)
    from desktop.cli.privacy import add_privacy_parser
    from desktop.cli.serve import add_serve_parser

    add_privacy_parser(commands)
    add_serve_parser(commands)
    return parser


def add_chat_options(chat: argparse.ArgumentParser) -> None:
    """What shapes an answer: `hearth chat` and `hearth prompts run` take the same options."""
    _add_model_options(chat)
    chat.add_argument("-s", "--system", help="system prompt")
    chat.add_argument("--temperature", type=float, help="default: what the model's family recommends")
    chat.add_argument("--seed", type=int)
    chat.add_argument("--max-tokens", type=int, metavar="N",
                      help=f"longest answer (default: the family's, else {DEFAULT_MAX_TOKENS}; 0: no limit)")
    chat.add_argument("--stats", action="store_true", help="print speed figures to stderr")
    chat.add_argument("--dry-run", action="store_true", help="print the exact prompt, generate nothing")
    chat.add_argument("--show-tokens", action="store_true",
                      help="with --dry-run: mark the model's special tokens (implies --dry-run)")
    chat.add_argument("--template", metavar="NAME",
                      help="render with a known-good template instead of the model's own (e.g. gemma, mistral)")
    chat.add_argument("--thinking", action=argparse.BooleanOptionalAction, default=None,
                      help="switch the model's reasoning on or off, where its template supports it (Qwen 3)")
    chat.add_argument("--docs", metavar="COLLECTION", help="answer from a document collection, citing it")
    chat.add_argument("--assistant", metavar="NAME",
                      help="answer as a saved assistant: its system prompt, model, settings, adapters, documents")
    chat.add_argument("--lora", action="append", metavar="ADAPTER[:SCALE]", default=[],
                      help="a LoRA adapter (a .gguf path or an installed adapter's name) at a scale from 0 to 2 "
                           "(default 1); repeat for several")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The terminal gets warnings (everything with -v); the window's log file, when it opens, gets more.
    terminal = logging.StreamHandler()
    terminal.setLevel(logging.INFO if args.verbose else logging.WARNING)
    terminal.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(terminal)
    logging.getLogger().setLevel(logging.INFO if args.verbose else logging.WARNING)
    if not args.verbose:
        logging.getLogger("llama.cpp").setLevel(logging.ERROR)
    paths = AppPaths.default()
    apply_network_policy(SettingsFile(paths.settings_file).load())
    try:
        if args.command is None:
            from desktop.app import run_gui

            return run_gui(paths)
        if args.command == "chat":
            return _chat(args, paths)
        if args.command == "bench":
            return _bench(args, paths)
        if args.command == "privacy":
            from desktop.cli.privacy import run_privacy_command

            return run_privacy_command(args, paths)
        if args.command == "docs" or (args.command == "chat" and args.docs):
            from desktop.cli.privacy import unlock_for_command

            unlock_for_command(paths)  # encrypted stores open with the keychain's key or the passphrase
        if args.command == "serve":
            from desktop.cli.serve import run_serve

            return run_serve(args, paths)
        if args.command == "diagnostics":
            from desktop.diagnostics import diagnostics

            print(diagnostics(paths, SettingsFile(paths.settings_file).load(), None))
            return 0
        if args.command == "docs":
            from desktop.cli.docs import run_docs_command

            return run_docs_command(args, paths)
        if args.command == "prompts":
            from desktop.cli.prompts import run_prompts_command

            return run_prompts_command(args, paths)
        if args.command == "assistants":
            from desktop.cli.assistants import run_assistants_command

            return run_assistants_command(args, paths)
        if args.command == "adapters":
            from desktop.cli.adapters import run_adapters_command

            return run_adapters_command(args, paths)
        from desktop.cli.models import run_models_command

        return run_models_command(args, paths)
    except HearthModelError as exc:
        notice(f"hearth: {exc}")
        return 1
    except OSError as exc:  # a read-only data folder, a full disk, a file that vanished
        notice(f"hearth: {os_error_text(exc)}")
        return 1
    except sqlite3.Error as exc:  # a database in a read-only folder, or damaged
        notice(f"hearth: the database cannot be used ({exc}).")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`hearth models list | head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _engine(args: argparse.Namespace, paths: AppPaths) -> Engine:
    """The engine with the model loaded, in safe mode where a crash asked for it; what the
    last run's crash was, if there was one, said on stderr first."""
    from desktop.crash import SAFE_MODE, collect_crashes, safe_mode_memory, step_marker
    from desktop.crash import notice as crash_notice
    from desktop.logs import log_native_crashes
    from desktop.settings import SettingsFile, engine_settings
    from models.engine import Engine, safe_settings
    from models.fit import FitCorrections, learn_from_load
    from models.library import resolve_model

    log_native_crashes(paths.logs)
    memory = safe_mode_memory(paths)
    for record in collect_crashes(paths):
        signal_name = f" ({record.signal})" if record.signal else ""
        notice(f"Note: {crash_notice(record)[:-1]}{signal_name}.")
        if record.safe_mode:
            print("Note: it was in safe mode already; `hearth diagnostics` says more for a bug report.",
                  file=sys.stderr)
        elif Path(record.model_path).is_file():
            memory.choose(Path(record.model_path), record.describe())
            print(f"Note: {record.model_name} loads in safe mode from now on ({SAFE_MODE}); "
                  "--no-safe-mode loads it normally.", file=sys.stderr)
    settings = engine_settings(SettingsFile(paths.settings_file).load())
    if args.ctx:
        settings = replace(settings, max_context=args.ctx)
    path = resolve_model(args.model, paths.models)
    if args.safe_mode or (args.safe_mode is None and memory.get(path) is not None):
        settings = safe_settings(settings)
    engine = Engine(settings, guard=step_marker(paths))
    safe = f" in safe mode ({SAFE_MODE})" if settings.safe_mode else ""
    notice(f"Loading {path.name}{safe}…")
    info = engine.load(path)
    learn_from_load(FitCorrections(paths.fit_corrections), info)
    return engine


def _remember_safe_mode(engine: Engine, args: argparse.Namespace, paths: AppPaths) -> None:
    """An answer worked: safe mode on trial is remembered for good; normal settings that work
    (--no-safe-mode) forget it."""
    from desktop.crash import safe_mode_memory

    assert engine.model is not None
    memory, model = safe_mode_memory(paths), engine.model
    if model.safe_mode and memory.confirm(model.path):
        print(f"Note: safe mode works with {model.name}; Hearth remembers it (`hearth models info` shows it).",
              file=sys.stderr)
    elif args.safe_mode is False and memory.forget(model.path):
        print(f"Note: {model.name} answered with the normal settings; safe mode is forgotten for it.",
              file=sys.stderr)


def chat(args: argparse.Namespace, paths: AppPaths) -> int:
    """`hearth chat` with the options of add_chat_options (also how `hearth prompts run` answers)."""
    return _chat(args, paths)


def _chat(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.cli.assistants import chat_choices
    from models.cancel import CancelToken
    from models.engine import generating
    from models.families import sampling_for, thinking_choice

    prompt = args.prompt if args.prompt is not None else sys.stdin.read()
    if not prompt.strip():
        raise HearthError("Nothing to say: give a prompt or pipe one into stdin.")
    # An assistant's system prompt, model, settings, adapters and documents; the flags given win.
    choices = chat_choices(args, paths)
    args.system, args.model, args.docs = choices.system, choices.model, choices.docs
    messages = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": prompt}
    ]
    if args.model and args.model.startswith("remote:"):
        from desktop.cli.remote import chat_remote

        return chat_remote(args, paths, messages)
    engine = _engine(args, paths)
    engine.use_adapters(choices.adapters)  # checked against the model before anything is generated
    if choices.adapters:
        print(f"With adapters: {choices.describe_adapters()}", file=sys.stderr)
    if args.thinking is None:
        args.thinking = thinking_choice(choices.settings)
    if args.template:
        engine.set_template(args.template)
    assert engine.model is not None
    if engine.model.template_source == "fallback":
        notice("Note: this model has no chat template; Hearth formats the chat as ChatML.")
    # The family's recommended sampling, then the flags given: the same rule as the window's.
    family = engine.model.facts.family_key if engine.model.facts else None
    flags = {"temperature": args.temperature, "seed": args.seed, "max_tokens": args.max_tokens}
    params = sampling_for(family, {**choices.settings, **{k: v for k, v in flags.items() if v is not None}})
    citations = None
    if args.docs:
        from desktop.documents import grounded_chat

        # Sources take at most half the context; the question and the answer need the rest.
        grounded = grounded_chat(paths, args.docs, prompt, args.system or "",
                                 max_source_tokens=engine.model.context_length // 2)
        messages, citations = grounded.messages, grounded.citations
        if grounded.notice:
            notice(f"Note: {grounded.notice}")
        if grounded.pending_files:
            print(f"Note: {grounded.pending_files} files of '{args.docs}' are not indexed yet.", file=sys.stderr)
    if args.dry_run or args.show_tokens:
        return _dry_run(engine, messages, params, args)

    cancel = CancelToken()
    # Ctrl+C stops the answer (even mid-prompt, through llama.cpp's abort callback) and keeps what came.
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.cancel())
    # On a terminal the answer cannot drive it (no escape sequences); a pipe gets it byte for byte.
    shown = printable if sys.stdout.isatty() else str
    try:
        with generating(engine, lambda text: print(shown(text), end="", flush=True)) as streamed:
            stats = engine.chat(messages, params, streamed, cancel, args.thinking, choices.adapters)
    finally:
        signal.signal(signal.SIGINT, previous)
    print(flush=True)
    if stats.stop_reason != "cancelled":
        _remember_safe_mode(engine, args, paths)
    if citations is not None:
        from desktop.documents import format_citations

        print(printable(format_citations(citations)))
    if stats.dropped_messages:
        print(f"Note: {stats.dropped_messages} older messages did not fit the context.", file=sys.stderr)
    if args.stats:
        safe = " in safe mode" if engine.model.safe_mode else ""
        notice(f"{engine.model.name} on {engine.model.backend}{safe}: {stats.summary()}")
    return 130 if stats.stop_reason == "cancelled" else 0


def _dry_run(engine: Engine, messages: list[dict[str, str]], params: SamplingParams, args: argparse.Namespace) -> int:
    """The exact prompt on stdout (special tokens marked with --show-tokens); what Hearth had to
    adapt for the template on stderr, so stdout stays the prompt alone."""
    from models.engine import inspect_prompt

    view = inspect_prompt(engine, messages, args.thinking, params.max_tokens)
    for adaptation in view.adaptations:
        notice(f"Note: {adaptation}")
    if not args.show_tokens:
        sys.stdout.write(view.text)
        return 0
    # Reverse video on a terminal; brackets that survive a pipe or a file otherwise.
    tty = sys.stdout.isatty()
    for segment in view.segments:
        if not segment.special:
            sys.stdout.write(segment.text)
        else:
            sys.stdout.write(f"\x1b[7m{segment.text}\x1b[0m" if tty else f"\u27e6{segment.text}\u27e7")
    return 0


def _bench(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.engine import generating, run_bench

    engine = _engine(args, paths)
    with generating(engine, lambda _text: None):
        result = run_bench(engine, runs=args.runs)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    return 0


def os_error_text(exc: OSError) -> str:
    """An operating system's refusal in one sentence, saying which file and what to do."""
    where = f" {exc.filename}" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"the disk is full: cannot write{where}; free some space and try again."
    if exc.errno == errno.EROFS:
        return f"cannot write{where}: the file system is read-only (HEARTH_HOME can point elsewhere)."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied:{where} cannot be read or written by Hearth (HEARTH_HOME can point elsewhere)."
    return f"{exc.strerror or exc}{':' if where else ''}{where}."


if __name__ == "__main__":
    sys.exit(main())
