"""`hearth models ...`: list and inspect models from a terminal."""

from __future__ import annotations

import argparse
import json
from typing import Any

from desktop.paths import AppPaths


def add_models_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    models = commands.add_parser("models", help="installed models")
    actions = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="installed models")
    listing.add_argument("--json", action="store_true")
    info = actions.add_parser("info", help="what a model file holds")
    info.add_argument("model")
    info.add_argument("--json", action="store_true")


def run_models_command(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.gguf_file import validate_model
    from models.locate import installed_models, resolve_model
    from models.starter import starter_model_path

    if args.models_command == "list":
        rows: list[dict[str, Any]] = []
        starter = starter_model_path()
        for path in ([starter] if starter else []) + installed_models(paths.models):
            name = "starter" if path == starter else path.stem
            rows.append({"name": name, "path": str(path), "size": path.stat().st_size})
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for row in rows:
                print(f"{row['name']:40} {row['size'] / 1e6:8.1f} MB  {row['path']}")
        return 0
    info = validate_model(resolve_model(args.model, paths.models))
    summary = {
        "name": info.path.stem,
        "title": info.name,
        "path": str(info.path),
        "architecture": info.architecture,
        "parameters": info.parameter_count,
        "layers": info.block_count,
        "context_length": info.context_length,
        "file_size": info.file_size,
        "chat_template": bool(info.chat_template),
    }
    print(json.dumps(summary, indent=2) if args.json else "\n".join(f"{k:16} {v}" for k, v in summary.items()))
    return 0
