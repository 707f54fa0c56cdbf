"""Verified download throughput vs a plain streamed GET of the same file, in one run; prints JSON.

    python -m bench.download_speed [--size-mb N] [--rounds N] [--dir PATH]

The fake Hub (tests/fixtures/fake_hub.py) serves a generated GGUF of about `--size-mb` MB from
its own process (so the server does not share this process's GIL), on 127.0.0.1, with
`sendfile`. Then, alternating, `--rounds` times each:

- plain: huggingface_hub's HTTP session streams the file into a new file on disk; nothing else.
- verified: `DownloadManager` downloads the same file as a user's `hearth models pull` does:
  Range-capable transfer, sha256 computed while streaming, checked against the Hub's, progress
  callbacks, then the atomic rename into the library and the manifest.

Each side writes to a fresh file, and the previous round's files are deleted and flushed
(`os.sync`) outside the timed part, so page-cache writeback from one round does not land on the
next. Reported: medians in MB/s, and verified / plain (goal: >= 0.9). Also reported, for
context: the plain GET discarding the bytes (the network ceiling), and sha256 alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = "bench/model"


def make_model(folder: Path, size_mb: int) -> Path:
    """A real GGUF (so the library can read its header) of about `size_mb` MB: one fat layer."""
    from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_model

    n_ff = max(256, size_mb * 1_000_000 // (3 * 2048 * 4) // 256 * 256)
    return write_tiny_model(folder / "Bench-F32.gguf", TinyModelSpec(n_embd=2048, n_ff=n_ff, n_layers=1, n_head=16))


def plain_get(url: str, target: Path, write: bool = True) -> float:
    from huggingface_hub import get_session

    started = time.perf_counter()
    with get_session().stream("GET", url, headers={"Accept-Encoding": "identity"}) as response:
        response.raise_for_status()
        if write:
            with target.open("wb", buffering=0) as handle:
                for chunk in response.iter_raw():
                    handle.write(chunk)
        else:
            for _chunk in response.iter_raw():
                pass
    return time.perf_counter() - started


def verified(models: Path) -> float:
    from models.download import DownloadManager, DownloadRequest
    from models.hub import HubClient
    from models.library import Library

    hub = HubClient()
    listing = hub.listing(REPO)
    manager = DownloadManager(Library(models), hub)
    try:
        started = time.perf_counter()
        final = manager.wait(manager.enqueue(DownloadRequest.from_remote(listing, listing.models[0])))
        elapsed = time.perf_counter() - started
    finally:
        manager.shutdown()
    if final.state != "done":
        raise SystemExit(f"the verified download failed: {final.message}")
    return elapsed


def clean(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    os.sync()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--dir", type=Path, help="where files are written (default: a temporary folder)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hearth-bench-", dir=args.dir))
    server = None
    try:
        model = make_model(work, args.size_mb)
        size = model.stat().st_size
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.fixtures.fake_hub", str(model)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        endpoint = server.stdout.readline().strip()
        os.environ.update(HF_ENDPOINT=endpoint, HF_HUB_OFFLINE="0", HF_HUB_DISABLE_TELEMETRY="1")
        url = f"{endpoint}/{REPO}/resolve/main/{model.name}"
        results: dict[str, list[float]] = {"plain": [], "verified": [], "discard": []}
        plain_get(url, work / "warm-up")  # connections, page cache of the served file
        clean(work / "warm-up")
        for _ in range(args.rounds):
            results["plain"].append(size / plain_get(url, work / "plain.gguf"))
            clean(work / "plain.gguf")
            results["verified"].append(size / verified(work / "models"))
            clean(work / "models")
            results["discard"].append(size / plain_get(url, work / "none", write=False))
        data = model.read_bytes()
        started = time.perf_counter()
        hashlib.sha256(data).hexdigest()
        sha_rate = size / (time.perf_counter() - started)
        med = {k: statistics.median(v) for k, v in results.items()}
        report: dict[str, Any] = {
            "file_mb": round(size / 1e6, 1),
            "rounds": args.rounds,
            "cpus": os.cpu_count(),
            "plain_get_to_disk_mb_s": round(med["plain"] / 1e6, 1),
            "verified_download_mb_s": round(med["verified"] / 1e6, 1),
            "verified_vs_plain": round(med["verified"] / med["plain"], 3),
            "goal": ">= 0.9",
            "plain_get_discarding_mb_s": round(med["discard"] / 1e6, 1),
            "sha256_alone_mb_s": round(sha_rate / 1e6, 1),
            "runs_mb_s": {k: [round(v / 1e6) for v in values] for k, values in results.items()},
        }
        print(json.dumps(report, indent=2))
    finally:
        if server is not None:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
