"""Catalog file names checked against the Hub's listing: a name that differs in case is corrected,
a file the repo dropped is one sentence naming what it has, and the check runs once."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.fit import (
    CatalogChecks,
    CatalogEntry,
    CatalogStaleError,
    catalog_file,
    check_entry,
    find_entry,
    refresh_unconfirmed,
)
from models.hub import HubClient
from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.hub_fixtures import HubModels, publish

REPO = "ggml-org/gpt-oss-20b-GGUF"


def entry(files: dict[str, str], seen: str | None = None) -> CatalogEntry:
    return CatalogEntry("gpt-oss-20b", "GPT-OSS", "gpt-oss 20B", REPO, files, next(iter(files)), 20_900_000_000,
                        131072, "apache-2.0", False, "OpenAI's open-weight reasoning model.", seen_in_listing=seen)


def test_the_bundled_gpt_oss_20b_file_has_the_hubs_upper_case_name() -> None:
    assert find_entry("gpt-oss-20b").files == {"MXFP4": "gpt-oss-20b-MXFP4.gguf"}


def test_a_name_that_differs_in_case_is_corrected(fake_hub: FakeHub, hub_models: HubModels) -> None:
    publish(fake_hub, REPO, hub_models.small, name="gpt-oss-20b-MXFP4.gguf")
    lower = entry({"MXFP4": "gpt-oss-20b-mxfp4.gguf"})
    check = check_entry(HubClient(), lower)
    assert not check.stale and check.revision == fake_hub.repos[REPO].commit
    assert catalog_file(lower, "MXFP4", check) == "gpt-oss-20b-MXFP4.gguf"


def test_a_file_the_repo_dropped_is_a_clear_sentence(fake_hub: FakeHub, hub_models: HubModels) -> None:
    publish(fake_hub, REPO, hub_models.small, name="gpt-oss-20b-Q8_0.gguf")
    stale = entry({"MXFP4": "gpt-oss-20b-MXFP4.gguf"})
    check = check_entry(HubClient(), stale)
    assert check.stale and check.missing == ("MXFP4",)
    with pytest.raises(CatalogStaleError) as error:
        catalog_file(stale, "MXFP4", check)
    assert str(error.value) == (
        "The catalog's MXFP4 file for gpt-oss 20B (gpt-oss-20b-MXFP4.gguf) is not in ggml-org/gpt-oss-20b-GGUF "
        "any more; the repo has gpt-oss-20b-Q8_0.gguf. Pick one in the Hugging Face view or with "
        "`hearth models files ggml-org/gpt-oss-20b-GGUF`."
    )


def test_unconfirmed_entries_are_checked_once_the_first_time_online(
    fake_hub: FakeHub, hub_models: HubModels, tmp_path: Path
) -> None:
    publish(fake_hub, REPO, hub_models.small, name="gpt-oss-20b-MXFP4.gguf")
    checks = CatalogChecks(tmp_path / "data" / "catalog_checks.json")
    unconfirmed, confirmed = entry({"MXFP4": "gpt-oss-20b-MXFP4.gguf"}), entry({"Q8_0": "x-Q8_0.gguf"}, "2026-01-31")
    confirmed = CatalogEntry(**{**confirmed.__dict__, "id": "seen", "repo": "acme/Seen-GGUF"})
    known = refresh_unconfirmed(HubClient(), [unconfirmed, confirmed], checks)
    assert set(known) == {"gpt-oss-20b"} and not known["gpt-oss-20b"].stale
    asked = len(fake_hub.requests)
    assert refresh_unconfirmed(HubClient(), [unconfirmed, confirmed], checks) == checks.load() == known
    assert len(fake_hub.requests) == asked  # remembered: not asked again


def test_offline_nothing_is_asked_and_nothing_fails(tmp_path: Path) -> None:
    checks = CatalogChecks(tmp_path / "catalog_checks.json")
    assert refresh_unconfirmed(HubClient(), [entry({"MXFP4": "gpt-oss-20b-MXFP4.gguf"})], checks) == {}
    assert not checks.path.exists()
