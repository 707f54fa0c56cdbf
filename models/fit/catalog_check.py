"""Whether the catalog's file names are still what the Hub lists.

The catalog is written by hand, and Hub paths are case-sensitive: a name nobody has seen in a
Hub listing (`seen_in_listing` empty in resources/catalog.json; no session of this project could
reach the Hub) may be wrong, and a repo may rename or drop a file after the catalog was written.
So an entry's files are checked against its repo's listing (the one `hearth models files` shows):

- `check_entry` lists the repo and says, per quantization, the path the repo really has (the
  catalog's own, or one that differs only in case, as `gpt-oss-20b-mxfp4.gguf` did from
  `gpt-oss-20b-MXFP4.gguf`), and which quantizations it no longer has;
- `CatalogChecks` keeps the results in the data folder, so the check runs once, the first time
  the user is online, and a stale entry is known before anyone presses Download;
- `catalog_file` gives the path to download, or CatalogStaleError, one sentence naming what the
  repo has instead: never a 404 from the Hub.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.errors import HearthModelError, HubOfflineError
from models.fit.catalog import CatalogEntry
from models.hub import HubClient, RepoListing
from models.private import write_private

log = logging.getLogger(__name__)


class CatalogStaleError(HearthModelError):
    """A catalog entry names a file its repo does not have (any more)."""


@dataclass(frozen=True)
class EntryCheck:
    entry_id: str
    checked_at: str
    revision: str
    files: dict[str, str]  # quantization -> the path as the repo lists it
    missing: tuple[str, ...]  # quantizations whose file the repo does not have
    available: tuple[str, ...]  # what the repo has, for the message

    @property
    def stale(self) -> bool:
        return bool(self.missing)


def check_listing(entry: CatalogEntry, listing: RepoListing) -> EntryCheck:
    listed = [part.path for model in listing.models for part in model.parts]
    by_lower = {path.lower(): path for path in listed}
    files, missing = {}, []
    for label, path in entry.files.items():
        actual = path if path in listed else by_lower.get(path.lower())
        if actual is None:
            missing.append(label)
        else:
            files[label] = actual
    available = tuple(model.path for model in listing.models if not model.projector)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    return EntryCheck(entry.id, stamp, listing.revision, files, tuple(missing), available)


def check_entry(hub: HubClient, entry: CatalogEntry) -> EntryCheck:
    """List the entry's repo and compare (raises HubError when the Hub cannot be asked)."""
    return check_listing(entry, hub.listing(entry.repo))


def catalog_file(entry: CatalogEntry, quant: str, check: EntryCheck | None) -> str:
    """The path to download for `quant`: as the repo lists it when a check says so."""
    path = entry.files[quant]
    if check is None:
        return path
    if quant in check.missing:
        others = ", ".join(check.available[:6]) or "no GGUF files"
        raise CatalogStaleError(
            f"The catalog's {quant} file for {entry.name} ({path}) is not in {entry.repo} any more; the repo has "
            f"{others}. Pick one in the Hugging Face view or with `hearth models files {entry.repo}`."
        )
    return check.files.get(quant, path)


class CatalogChecks:
    """Check results by entry id, in a small private JSON file in the data folder; thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> dict[str, EntryCheck]:
        with self._lock:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
        checks = {}
        for key, value in (raw.items() if isinstance(raw, dict) else []):
            try:
                checks[key] = _from_json(value)
            except (KeyError, TypeError, ValueError):
                continue
        return checks

    def record(self, check: EntryCheck) -> None:
        with self._lock:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raw = {}
            raw = raw if isinstance(raw, dict) else {}
            raw[check.entry_id] = check.__dict__
            try:
                write_private(self.path, json.dumps(raw, indent=1, sort_keys=True, default=list))
            except OSError as exc:  # a read-only data folder: the check runs again next time
                log.warning("Could not save the catalog check in %s: %s", self.path, exc)


def refresh_unconfirmed(
    hub: HubClient, entries: tuple[CatalogEntry, ...] | list[CatalogEntry], checks: CatalogChecks
) -> dict[str, EntryCheck]:
    """Check every entry whose files were never seen in a listing and were not checked yet; the
    first time the user is online. Entries the Hub cannot be asked about now wait for next time."""
    known = checks.load()
    for entry in entries:
        if entry.seen_in_listing or entry.id in known:
            continue
        try:
            known[entry.id] = check_entry(hub, entry)
        except HubOfflineError as exc:  # not online after all: the rest would only wait for timeouts
            log.info("Not checking the catalog now: %s", exc)
            break
        except HearthModelError as exc:
            log.info("Could not check the catalog entry %s now: %s", entry.id, exc)
            continue
        checks.record(known[entry.id])
    return known


def _from_json(value: Any) -> EntryCheck:
    return EntryCheck(
        str(value["entry_id"]), str(value["checked_at"]), str(value["revision"]),
        {str(k): str(v) for k, v in dict(value["files"]).items()},
        tuple(str(v) for v in value["missing"]), tuple(str(v) for v in value["available"]),
    )
