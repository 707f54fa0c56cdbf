"""`hearth serve`: the local OpenAI-compatible server, headless, until Ctrl+C.

The address, the model and (once, when it is made) the API key go to stderr with the request
log; stdout stays empty. Private by default: 127.0.0.1 only. Another address needs a key:
`--api-key-file F` (made, 0600, if it does not exist) or the key in Hearth's config folder.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.errors import HearthError
from desktop.paths import AppPaths

if TYPE_CHECKING:
    from models.engine import EngineWorker

_LOAD_TIMEOUT_S = 600.0


def add_serve_parser(commands: Any) -> None:
    serve = commands.add_parser("serve", help="serve the model to other apps (OpenAI-compatible API)")
    serve.add_argument("-m", "--model", help="installed model name, a .gguf path, or 'starter' (default)")
    serve.add_argument("--ctx", type=int, metavar="N", help="context length cap (default 8192)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: the network, "
                            "with an API key)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--api-key-file", type=Path, metavar="F",
                       help="require the key in F from every client (made, readable by you only, if missing)")
    serve.add_argument("--allow-model-switch", action="store_true",
                       help="let a request name another installed model, which is then loaded")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                       help="a web page origin allowed to call the server (repeatable), e.g. http://localhost:3000")


def _api_key(args: argparse.Namespace, paths: AppPaths, loopback: bool) -> str | None:
    from desktop.server import KEY_FILE_NAME, load_or_create_key

    key_file = args.api_key_file or (None if loopback else paths.config / KEY_FILE_NAME)
    if key_file is None:
        return None
    key, created = load_or_create_key(key_file.expanduser())
    if created:
        print(f"New API key (shown once; kept in {key_file}, readable by you only):\n  {key}", file=sys.stderr)
    else:
        print(f"Clients need the API key in {key_file}.", file=sys.stderr)
    return key


def run_serve(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.server import LocalServer, ServerConfig, is_loopback
    from desktop.settings import SettingsFile, engine_settings
    from models.engine import Engine, EngineWorker
    from models.library import resolve_model

    settings = SettingsFile(paths.settings_file).load()
    loopback = is_loopback(args.host)
    if settings.offline and not loopback:
        raise HearthError("Offline mode is on: Hearth serves this machine only (--host 127.0.0.1); "
                          "turn offline mode off in Settings to serve the network.")
    config = ServerConfig(host=args.host, port=args.port, api_key=_api_key(args, paths, loopback),
                          cors_origins=tuple(args.cors_origin), allow_model_switch=args.allow_model_switch)
    config.check()
    path = resolve_model(args.model, paths.models)
    engine_config = engine_settings(settings)
    if args.ctx:
        engine_config = replace(engine_config, max_context=args.ctx)
    worker = EngineWorker(Engine(engine_config))
    try:
        print(f"Loading {path.name}…", file=sys.stderr, flush=True)
        _load(worker, path)
        # One line per request on stderr (numbers, never text), as the window's log has them.
        logging.getLogger("desktop.server").setLevel(logging.INFO)
        for handler in logging.getLogger().handlers:
            handler.setLevel(min(handler.level, logging.INFO))
        logging.getLogger().setLevel(min(logging.getLogger().level, logging.INFO))
        server = LocalServer(worker, config, paths.models)
        url = server.start()
        info = worker.model
        if not loopback:
            print("Warning: other devices on your network can use this model with the key; "
                  "their prompts are processed on this computer.", file=sys.stderr)
        print(f"Serving {info.name if info else path.stem} at {url} "
              f"({'this machine only' if loopback else 'your network, with the API key'}). Ctrl+C stops.",
              file=sys.stderr, flush=True)
        _wait_for_interrupt()
        print("Stopping…", file=sys.stderr)
        server.stop()
    finally:
        worker.shutdown()
    return 0


def _load(worker: EngineWorker, path: Path) -> None:
    done = threading.Event()
    failure: list[str] = []

    def failed(message: str, _still_loaded: object) -> None:
        failure.append(message)
        done.set()

    worker.load(path, lambda _info: done.set(), failed)
    if not done.wait(_LOAD_TIMEOUT_S):
        raise HearthError(f"{path.name} did not load in {_LOAD_TIMEOUT_S:.0f} seconds.")
    if failure:
        raise HearthError(failure[0])


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.5):  # a timed wait lets the signal handler run on every platform
        pass
