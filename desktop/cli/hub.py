"""`hearth models search|files|pull`: the Hugging Face side of the model manager in a terminal.

`pull` runs the same `DownloadManager` the window uses, with one job, and draws a plain-text
progress bar on stderr (rewritten in place with `\\r` on a terminal, a line every few seconds
otherwise). Ctrl+C pauses: the partial download stays, and the same command resumes it.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from desktop.cli.output import emit, notice
from desktop.errors import HearthError
from desktop.paths import AppPaths
from desktop.text import duration_text, printable, size_text
from models.hub import DownloadProgress


def search(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.hub import HubClient

    found = HubClient().search(args.query, sort=args.sort, limit=args.limit)
    lines = [
        f"{r.repo_id:60} {r.downloads:>10,} downloads {r.likes:>6,} likes  {(r.created_at or '')[:10]}"
        + ("  gated" if r.gated else "")
        for r in found
    ]
    return emit(args, [r.as_dict() for r in found], lines or [f"No GGUF repos match '{args.query}'."])


def files(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.fit import FitCorrections, estimate_listing, judge_fit
    from models.hub import HubClient

    hub = HubClient()
    listing = hub.listing(args.repo)
    estimates = estimate_listing(hub, listing, args.ctx, FitCorrections(paths.fit_corrections))
    rows = []
    gated = "  (gated: accept its licence on the Hub)" if listing.gated else ""
    lines = [f"{listing.repo_id} at {listing.revision[:12]}{gated}"]
    for model in listing.models:
        row = model.as_dict()
        estimate = estimates.get(model.path)
        if estimate is not None:
            report = judge_fit(estimate)
            row["fit"] = {"verdict": report.verdict, "detail": report.detail, "memory": estimate.as_dict()}
        rows.append(row)
        parts = f" ({len(model.parts)} parts)" if len(model.parts) > 1 else ""
        badge = row["fit"]["verdict"] if estimate is not None else ("projector" if model.projector else "-")
        lines.append(f"  {model.path:64} {model.quantization or '?':8} {size_text(model.size):>9}{parts}  {badge}")
    data = {"repo": listing.repo_id, "revision": listing.revision, "gated": listing.gated, "files": rows}
    return emit(args, data, lines)


def pull(args: argparse.Namespace, paths: AppPaths) -> int:
    from models.hub import DownloadManager, DownloadRequest, HubClient
    from models.library import Library

    paths.create()
    hub = HubClient()
    listing = hub.listing(args.repo)
    remote = listing.find(args.file)
    if not remote.complete:
        raise HearthError(f"{remote.path} is one part of a split model whose other parts are missing from the repo.")
    library = Library(paths.models)
    manager = DownloadManager(library, hub)
    bar = ProgressBar(sys.stderr)
    manager.subscribe(bar.update)
    job = manager.enqueue(DownloadRequest.from_remote(listing, remote))
    try:
        while (final := manager.wait(job, timeout=0.5)).state not in ("done", "failed", "cancelled", "paused"):
            pass
    except KeyboardInterrupt:
        manager.pause(job)
        manager.shutdown()
        final = manager.progress(job)
        bar.finish()
        notice(
            f"Paused {final.name} at {size_text(final.bytes_done)} of {size_text(final.bytes_total)}; "
            "run the same command again to resume."
        )
        return 130
    manager.shutdown()
    bar.finish()
    if final.state != "done":
        raise HearthError(final.message or f"The download of {final.name} stopped ({final.state}).")
    model = library.find(final.installed or final.name)
    if final.message:
        notice(final.message)
    return emit(args, model.as_dict(), [f"Installed {model.name}: {model.path}"])


class ProgressBar:
    """`name  45% [#########.........] 2.2/4.9 GB  38.5 MB/s  1 min 10 s left` on one line of stderr."""

    WIDTH = 24

    def __init__(self, stream: TextIO, quiet_interval_s: float = 5.0) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.quiet_interval_s = quiet_interval_s
        self._last = 0.0
        self._drawn = False

    def update(self, progress: DownloadProgress) -> None:
        if progress.state not in ("running", "done"):
            return
        now = time.monotonic()
        if progress.state == "running" and not self.live and now - self._last < self.quiet_interval_s:
            return
        self._last = now
        filled = int(self.WIDTH * progress.fraction)
        if progress.state == "done":
            # Said only when true: every file's sha256 matched the Hub's (not for "already installed").
            rate = "verified (sha256)" if progress.verified else "done"
        else:
            rate = f"{size_text(progress.speed)}/s  {duration_text(progress.eta_s)} left"
        part = f" part {progress.part}/{progress.parts}" if progress.parts > 1 else ""
        line = printable(
            f"{progress.name}{part} {progress.fraction * 100:3.0f}% [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
            f"{size_text(progress.bytes_done)}/{size_text(progress.bytes_total)}  {rate}"
        )
        if self.live:
            self.stream.write("\r" + line.ljust(100))
            self._drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

