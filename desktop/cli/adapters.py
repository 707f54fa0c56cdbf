"""`hearth adapters ...`: LoRA adapters, each under the model it fits.

    list                         installed adapters, by model
    add PATH [--base MODEL]      check a LoRA adapter GGUF against a model and copy it in (default
                                 model: the first installed one it fits)
    rm NAME                      delete one

`hearth chat --lora ADAPTER[:SCALE]` uses one (a path or an installed adapter's name; scale 0 to 2,
default 1); repeat the flag for several at once.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.cli.output import emit
from desktop.errors import HearthError
from desktop.paths import AppPaths
from desktop.text import size_text

if TYPE_CHECKING:
    from models.engine import AdapterChoice


def add_adapters_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    adapters = commands.add_parser("adapters", help="LoRA adapters for installed models")
    actions = adapters.add_subparsers(dest="adapters_command", metavar="ACTION", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help)
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        return parser

    action("list", "installed adapters, by model")
    add = action("add", "check a LoRA adapter against a model and add it")
    add.add_argument("path")
    add.add_argument("--base", metavar="MODEL", help="the model it is for (default: the first it fits)")
    action("rm", "delete an adapter").add_argument("name")


def run_adapters_command(args: argparse.Namespace, paths: AppPaths) -> int:
    handlers = {"list": _list, "add": _add, "rm": _remove}
    result: int = handlers[args.adapters_command](args, paths)
    return result


def _list(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.library import AdapterLibrary

    adapters = AdapterLibrary(paths.models).adapters()
    lines = [f"{a.base_model:36} {a.name:28} rank {a.rank:<4} alpha {a.alpha:<6g} {size_text(a.size):>9}"
             for a in adapters]
    if not adapters and not args.json:
        print("No adapters yet: hearth adapters add ADAPTER.gguf [--base MODEL]", file=sys.stderr)
    return emit(args, [a.as_dict() for a in adapters], lines)


def _add(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.app import available_models
    from models.library import AdapterLibrary, fitting_models, resolve_model

    path = Path(args.path).expanduser()
    models = available_models(paths)
    if args.base:
        base_path = resolve_model(args.base, paths.models)
        base_name = next((name for name, p in models if p == base_path), base_path.stem)
    else:
        fits, reasons = fitting_models(path, models)
        if not fits:
            why = reasons[0].rstrip(".") if reasons else "no model is installed"
            raise HearthError(f"{path.name} fits none of the installed models ({why}).")
        base_name = fits[0]
        base_path = dict(models)[base_name]
    adapter = AdapterLibrary(paths.models).import_file(path, base_name, base_path)
    return emit(args, adapter.as_dict(), [f"Added the adapter {adapter.name} for {adapter.base_model}."])


def _remove(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.library import AdapterLibrary

    removed = AdapterLibrary(paths.models).delete(args.name)
    return emit(args, removed.as_dict(), [f"Deleted the adapter {removed.name}."])


def _split_scale(spec: str) -> tuple[str, float]:
    name, colon, scale_text = spec.rpartition(":")
    if colon and name:
        try:
            scale = float(scale_text)
        except ValueError:
            return spec, 1.0  # a colon that is part of the path (C:\...)
        if not math.isfinite(scale) or not 0 <= scale <= 2:
            raise HearthError(f"The scale of --lora {spec} must be from 0 to 2.")
        return name, scale
    return spec, 1.0


def parse_lora(spec: str, paths: AppPaths) -> AdapterChoice:
    """ADAPTER[:SCALE]: a .gguf path or an installed adapter's name, at a scale from 0 to 2."""
    from models.engine import AdapterChoice
    from models.library import AdapterLibrary

    name, scale = _split_scale(spec)
    candidate = Path(name).expanduser()
    if candidate.is_file():
        return AdapterChoice(candidate.resolve(), scale)
    return AdapterChoice(AdapterLibrary(paths.models).find(name).path, scale)


def settings_entry(spec: str, paths: AppPaths) -> dict[str, Any]:
    """An adapter as a conversation's (or an assistant's) settings keep it."""
    choice = parse_lora(spec, paths)
    return {"name": choice.path.stem, "path": str(choice.path), "scale": choice.scale}
