"""`hearth docs ...`: private documents from a terminal.

    add PATH... [--collection C]     index files and folders (re-adding re-indexes only what changed;
                                     files gone from an added folder leave the index)
    list [--collection C]            collections, or one collection's files with their status
    search QUERY [--collection C]    the passages a question retrieves, best first  [--limit N] [--keyword-only]
    rm PATH [--collection C]         forget a file or folder (the file on disk stays)
    rm --collection C                delete a collection's index

Every command takes --json. Results go to stdout; progress, notices and failures' details to
stderr. `add` indexes the readable files even when some cannot be read, lists those with the
reason, and then exits 1 so a script notices.
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
from desktop.text import printable
from models.cancel import CancelToken

DEFAULT_COLLECTION = "Documents"


def add_docs_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    docs = commands.add_parser("docs", help="index your documents and search them")
    actions = docs.add_subparsers(dest="docs_command", metavar="ACTION", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help)
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        return parser

    add = action("add", "index files and folders into a collection")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("-c", "--collection", default=DEFAULT_COLLECTION, help=f"default: {DEFAULT_COLLECTION}")
    add.add_argument("--keyword-only", action="store_true", help="do not compute embeddings")
    listed = action("list", "collections, or the files of one")
    listed.add_argument("-c", "--collection")
    search = action("search", "the passages a question retrieves")
    search.add_argument("query")
    search.add_argument("-c", "--collection", help="default: every collection")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--keyword-only", action="store_true", help="BM25 only, even with an embedding model")
    remove = action("rm", "forget a file or folder, or a whole collection")
    remove.add_argument("path", nargs="?", metavar="PATH")
    remove.add_argument("-c", "--collection")


def run_docs_command(args: argparse.Namespace, paths: AppPaths) -> int:
    handlers = {"add": _add, "list": _list, "search": _search, "rm": _remove}
    result: int = handlers[args.docs_command](args, paths)
    return result


def _embedder(paths: AppPaths, keyword_only: bool) -> Any:
    from desktop.documents import KEYWORD_ONLY_NOTICE, Embedder, EmbeddingModelError, find_embedding_model

    model = None if keyword_only else find_embedding_model(paths.models, paths.starter_embedding)
    if model is None:
        if not keyword_only:
            print(f"Note: {KEYWORD_ONLY_NOTICE}", file=sys.stderr)
        return None
    try:
        embedder = Embedder(model)
    except EmbeddingModelError as exc:
        notice(f"Note: keyword search only: {exc}")
        return None
    notice(f"Semantic search with {embedder.name}")
    return embedder


def _progress_printer() -> Any:
    from desktop.documents import IndexProgress

    tty = sys.stderr.isatty()

    def show(progress: IndexProgress) -> None:
        if progress.phase == "scanning":
            print("Looking for files…", file=sys.stderr, flush=True)
            return
        eta = f", about {progress.eta_s:.0f} s left" if progress.eta_s is not None else ""
        name = printable(progress.current_file.name, one_line=True) if progress.current_file else ""
        line = (f"[{progress.files_done}/{progress.files_total} files] {progress.chunks_done} chunks, "
                f"{progress.chunks_per_s:.0f} chunks/s{eta} {name}")
        if tty:
            end = "" if progress.phase == "indexing" else "\n"
            print(f"\r\x1b[K{line[:200]}", end=end, file=sys.stderr, flush=True)
        elif progress.phase != "indexing":
            print(line, file=sys.stderr, flush=True)

    return show


def _add(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.documents import DocumentIndex, index_paths

    missing = [p for p in args.paths if not Path(p).expanduser().exists()]
    if missing:
        raise HearthError(f"No such file or folder: {missing[0]}.")
    paths.create()
    cancel = CancelToken()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.cancel())
    embedder = _embedder(paths, args.keyword_only)
    try:
        with DocumentIndex.open(paths) as index:
            report = index_paths(index, args.collection, args.paths, embedder=embedder,
                                 on_progress=_progress_printer(), cancel=cancel)
    finally:
        signal.signal(signal.SIGINT, previous)
        if embedder is not None:
            embedder.close()
    counts = {o: report.count(o) for o in ("indexed", "unchanged", "failed", "removed", "skipped")}
    data = {
        "collection": report.collection, "cancelled": report.cancelled, "elapsed_s": round(report.elapsed_s, 3),
        "embedded": report.embedded, "chunks": report.chunks, **counts,
        "files": [{"path": str(r.path), "outcome": r.outcome, "chunks": r.chunks, "reason": r.reason}
                  for r in report.results],
    }
    summary = ", ".join(f"{n} {o}" for o, n in counts.items() if n or o in ("indexed", "failed"))
    lines = [f"{report.collection}: {summary} ({report.chunks} chunks in {report.elapsed_s:.1f} s)"]
    lines += [f"failed  {r.path}: {r.reason}" for r in report.failures]
    emit(args, data, lines)
    if report.cancelled:
        print("Stopped; what was indexed so far is kept.", file=sys.stderr)
        return 130
    return 1 if report.failures else 0


def _list(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.documents import DocumentIndex

    with DocumentIndex.open(paths) as index:
        if args.collection:
            collection = index.collection(args.collection)
            files = index.files(collection.id)
            data: Any = [
                {"path": str(f.path), "status": f.status, "chunks": f.chunk_count, "error": f.error,
                 "format": f.format, "title": f.title, "size": f.size, "embedding_model": f.embedding_model}
                for f in files
            ]
            lines = [f"{f.status:8} {f.chunk_count:6} chunks  {f.path}" + (f"  ({f.error})" if f.error else "")
                     for f in files]
            if not files:
                print(f"{collection.name} has no files yet.", file=sys.stderr)
        else:
            collections = index.collections()
            data = [
                {"name": c.name, "files": c.file_count, "ready": c.ready_count, "failed": c.failed_count,
                 "pending": c.pending_count, "chunks": c.chunk_count, "roots": [str(r) for r in c.roots]}
                for c in collections
            ]
            lines = [f"{c.name:24} {c.ready_count:5} ready {c.failed_count:4} failed {c.pending_count:4} pending "
                     f"{c.chunk_count:7} chunks" for c in collections]
            if not collections:
                print("No collections yet: add documents with `hearth docs add PATH`.", file=sys.stderr)
    emit(args, data, lines)
    return 0


def _search(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.documents import DocumentIndex, Retriever, snippet

    with DocumentIndex.open(paths) as index:
        targets = [index.collection(args.collection)] if args.collection else index.collections()
        if not targets:
            raise HearthError("No documents are indexed yet: add some with `hearth docs add PATH`.")
        embedder = _embedder(paths, args.keyword_only)
        try:
            vector = embedder.embed_query(args.query) if embedder is not None else None
            chunks = Retriever(index).search(
                args.query, [c.id for c in targets], limit=args.limit, query_vector=vector,
                model=embedder.model_id if embedder is not None else None,
            )
        finally:
            if embedder is not None:
                embedder.close()
    pending = sum(c.pending_count for c in targets)
    if pending:
        print(f"Note: {pending} files are not indexed yet.", file=sys.stderr)
    data = [
        {"rank": n, "chunk_id": c.chunk_id, "path": str(c.path), "file_name": c.file_name, "page": c.page,
         "heading": c.heading, "line": c.line, "location": c.location, "score": round(c.score, 6),
         "keyword_rank": c.keyword_rank, "vector_rank": c.vector_rank, "text": c.text}
        for n, c in enumerate(chunks, start=1)
    ]
    lines = []
    for n, chunk in enumerate(chunks, start=1):
        where = f", {chunk.location}" if chunk.location else ""
        lines.append(f"[{n}] {chunk.file_name}{where} — {chunk.path}\n    {snippet(chunk.text)}")
    if not chunks:
        print("Nothing matched.", file=sys.stderr)
    emit(args, data, lines)
    return 0


def _remove(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop.documents import DocumentIndex, normalise_root

    if not args.path and not args.collection:
        raise HearthError("Say what to remove: a PATH, or --collection NAME for a whole collection.")
    with DocumentIndex.open(paths) as index:
        if not args.path:
            collection = index.collection(args.collection)
            index.delete_collection(collection.id)
            data: dict[str, Any] = {"collection": collection.name, "removed_files": collection.file_count}
            emit(args, data, [f"Deleted the collection {collection.name} ({collection.file_count} files)."])
            return 0
        target = normalise_root(args.path)
        collections = [index.collection(args.collection)] if args.collection else index.collections(True)
        removed = {c.name: index.remove_path(c.id, target) for c in collections}
        total = sum(removed.values())
        if not total and not any(target in c.roots for c in collections):
            where = f"the collection {args.collection}" if args.collection else "any collection"
            raise HearthError(f"{args.path} is not in {where}.")
    data = {"path": str(target), "removed_files": total, "collections": {k: v for k, v in removed.items() if v}}
    emit(args, data, [f"Removed {total} files under {target} from the index (the files themselves stay)."])
    return 0

