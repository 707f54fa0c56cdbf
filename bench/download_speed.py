"""Verified download throughput vs a plain streamed GET of the same file, in one run; prints JSON.

    python -m bench.download_speed [--size-mb N] [--rounds N] [--link-mb-s N] [--dir PATH]

The fake Hub (tests/fixtures/fake_hub.py) serves a generated GGUF of about `--size-mb` MB from
its own process (so the server does not share this process's GIL), on 127.0.0.1. Then,
alternating, `--rounds` times each:

- plain: huggingface_hub's HTTP session streams the file into a new file on disk; nothing else.
- verified: `DownloadManager` downloads the same file as `hearth models pull` does: the
  resumable transfer with sha256 computed while streaming and checked against the Hub's,
  progress callbacks, the atomic rename into the library and the manifest.

Each side writes a fresh file; the previous round's files are deleted and flushed (`os.sync`)
outside the timed part. Two scenarios:

- `loopback`: the file as fast as the server can send it (sendfile). Here the client is CPU-bound,
  so verified / plain approaches plain CPU / (plain CPU + one sha256 pass) when no core is free
  for the hashing thread. The CPU seconds of both sides are reported, and `extra_cpu_vs_sha256`
  = (verified CPU - plain CPU) / (CPU of sha256 over the file once): about 1.0 means the only
  extra work is the single in-memory hashing pass -- no second pass over the file.
- `link`: the server sends at `--link-mb-s` (default 250 MB/s, a 2 Gbit/s line, faster than most
  connections to the Hub): what a user sees. Goal: verified / plain >= 0.9.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = "bench/model"


def make_model(folder: Path, size_mb: int) -> Path:
    """A real GGUF (so the library can read its header) of about `size_mb` MB: one fat layer."""
    from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

    n_ff = max(256, size_mb * 1_000_000 // (3 * 2048 * 4) // 256 * 256)
    return write_tiny_model(folder / "Bench-F32.gguf", TinyModelSpec(n_embd=2048, n_ff=n_ff, n_layers=1, n_head=16))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


def timed(action: Callable[[], None]) -> tuple[float, float]:
    cpu, started = cpu_seconds(), time.perf_counter()
    action()
    return time.perf_counter() - started, cpu_seconds() - cpu


def plain_get(url: str, target: Path | None) -> None:
    from huggingface_hub import get_session

    with get_session().stream("GET", url, headers={"Accept-Encoding": "identity"}) as response:
        response.raise_for_status()
        if target is None:
            for _chunk in response.iter_raw():
                pass
            return
        with target.open("wb", buffering=0) as handle:
            for chunk in response.iter_raw():
                handle.write(chunk)


def verified(models: Path) -> Callable[[], None]:
    """The download, ready to time (the repo listing, a metadata call, happens before)."""
    from models.hub import DownloadManager, DownloadRequest, HubClient
    from models.library import Library

    hub = HubClient()
    listing = hub.listing(REPO)
    request = DownloadRequest.from_remote(listing, listing.models[0])

    def run() -> None:
        manager = DownloadManager(Library(models), hub)
        try:
            final = manager.wait(manager.enqueue(request))
        finally:
            manager.shutdown()
        if final.state != "done":
            raise SystemExit(f"the verified download failed: {final.message}")

    return run


def clean(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    os.sync()


def scenario(work: Path, url: str, size: int, rounds: int, discard: bool) -> dict[str, Any]:
    runs: dict[str, list[tuple[float, float]]] = {"plain": [], "verified": [], "discard": []}
    for _ in range(rounds):
        runs["plain"].append(timed(lambda: plain_get(url, work / "plain.gguf")))
        clean(work / "plain.gguf")
        runs["verified"].append(timed(verified(work / "models")))
        clean(work / "models")
        if discard:
            runs["discard"].append(timed(lambda: plain_get(url, None)))
    rate = {k: size / statistics.median(w for w, _ in v) for k, v in runs.items() if v}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items() if v}
    result: dict[str, Any] = {
        "plain_get_to_disk_mb_s": round(rate["plain"] / 1e6, 1),
        "verified_download_mb_s": round(rate["verified"] / 1e6, 1),
        "verified_vs_plain": round(rate["verified"] / rate["plain"], 3),
        "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "runs_mb_s": {k: [round(size / w / 1e6) for w, _ in v] for k, v in runs.items() if v},
    }
    if discard:
        result["plain_get_discarding_mb_s"] = round(rate["discard"] / 1e6, 1)
    return result


def serve(model: Path, bytes_per_s: int | None) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "tests.fixtures.fake_hub", str(model)]
    if bytes_per_s:
        command.append(f"--bytes-per-s={bytes_per_s}")
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    return server, server.stdout.readline().strip()


def stop(server: subprocess.Popen[str]) -> None:
    assert server.stdin is not None
    server.stdin.close()
    server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--link-mb-s", type=int, default=250)
    parser.add_argument("--dir", type=Path, help="where files are written (default: a temporary folder)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hearth-bench-", dir=args.dir))
    os.environ.update(HF_HUB_OFFLINE="0", HF_HUB_DISABLE_TELEMETRY="1")
    try:
        model = make_model(work, args.size_mb)
        size = model.stat().st_size
        data = model.read_bytes()
        started = time.perf_counter()
        hashlib.sha256(data).hexdigest()
        sha_s = time.perf_counter() - started
        del data
        report: dict[str, Any] = {"file_mb": round(size / 1e6, 1), "rounds": args.rounds, "cpus": os.cpu_count()}
        report["sha256_alone_mb_s"] = round(size / sha_s / 1e6, 1)
        for name, bytes_per_s in (("loopback", None), ("link", args.link_mb_s * 1_000_000)):
            server, endpoint = serve(model, bytes_per_s)
            try:
                os.environ["HF_ENDPOINT"] = endpoint  # read at call time by models.hub.client
                url = f"{endpoint}/{REPO}/resolve/main/{model.name}"
                plain_get(url, None)  # warm: connections, the served file's page cache
                report[name] = scenario(work, url, size, args.rounds, discard=bytes_per_s is None)
            finally:
                stop(server)
        loop = report["loopback"]
        loop["extra_cpu_vs_sha256"] = round((loop["cpu_s"]["verified"] - loop["cpu_s"]["plain"]) / sha_s, 2)
        report["link"]["link_mb_s"] = args.link_mb_s
        report["goal"] = "link.verified_vs_plain >= 0.9"
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
