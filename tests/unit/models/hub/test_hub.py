"""Search, repo listings and errors, through huggingface_hub, against the fake Hub."""

from __future__ import annotations

import pytest

from models.errors import GatedRepoError, HubOfflineError, RepoNotFoundError
from models.fit import estimate_listing, estimate_memory, fetch_header, shape_of_files
from models.hub import HubClient, RemoteFile, group_files
from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.hub_fixtures import HubModels, publish


def test_search_finds_gguf_repos_sorted_as_asked(fake_hub: FakeHub, hub_models: HubModels) -> None:
    fake_hub.add_repo("a/Qwen-GGUF", downloads=10, likes=90, created_at="2025-03-01T00:00:00.000Z")
    fake_hub.add_repo("b/Qwen-GGUF", downloads=500, likes=5, created_at="2025-01-01T00:00:00.000Z")
    fake_hub.add_repo("c/Qwen-safetensors", downloads=9999, tags=("transformers",))
    fake_hub.add_repo("d/Llama-GGUF", downloads=20)
    hub = HubClient()
    assert [r.repo_id for r in hub.search("qwen")] == ["b/Qwen-GGUF", "a/Qwen-GGUF"]
    assert [r.repo_id for r in hub.search("qwen", sort="likes")] == ["a/Qwen-GGUF", "b/Qwen-GGUF"]
    newest = hub.search("qwen", sort="recent")
    assert [r.repo_id for r in newest] == ["a/Qwen-GGUF", "b/Qwen-GGUF"]
    assert newest[0].created_at == "2025-03-01T00:00:00+00:00" and newest[0].likes == 90
    assert len(hub.search("", limit=2)) == 2


def test_a_listing_has_sizes_checksums_labels_and_split_groups(fake_hub: FakeHub, hub_models: HubModels) -> None:
    small = publish(fake_hub, "acme/M-GGUF", hub_models.small)
    publish(fake_hub, "acme/M-GGUF", hub_models.small_q8)
    parts = [publish(fake_hub, "acme/M-GGUF", p, name=f"big/{p.name}") for p in hub_models.split]
    fake_hub.add_file("acme/M-GGUF", "README.md", hub_models.small)
    listing = HubClient().listing("acme/M-GGUF")
    assert listing.revision == fake_hub.repos["acme/M-GGUF"].commit
    by_name = {m.name: m for m in listing.models}
    assert set(by_name) == {"Tiny-Q4_K_M", "Tiny-Q8_0", "Split-Q4_K_M"}
    tiny = by_name["Tiny-Q4_K_M"]
    assert (tiny.quantization, tiny.size, tiny.parts[0].sha256) == ("Q4_K_M", small.size, small.sha256)
    split = by_name["Split-Q4_K_M"]
    assert [p.path for p in split.parts] == [p.path for p in parts] and split.complete
    assert split.size == sum(p.size for p in parts)
    assert listing.find("Q8_0").name == "Tiny-Q8_0"
    assert listing.find("big/Split-Q4_K_M-00002-of-00003.gguf") is split
    with pytest.raises(RepoNotFoundError, match="has no GGUF file 'nope'"):
        listing.find("nope")


def test_grouping_keeps_incomplete_splits_visible_but_marked() -> None:
    files = [
        RemoteFile("m-00002-of-00002.gguf", 10, None),
        RemoteFile("mmproj-model-f16.gguf", 5, None),
        RemoteFile("other-00001-of-00003.gguf", 10, None),
    ]
    models = {m.name: m for m in group_files(files)}
    assert [p.path for p in models["m"].parts] == ["m-00002-of-00002.gguf"]
    assert not models["m"].complete and not models["other"].complete
    assert models["mmproj-model-f16"].projector


def test_missing_repo_revision_and_gated_errors_are_plain_sentences(fake_hub: FakeHub, hub_models: HubModels) -> None:
    hub = HubClient()
    with pytest.raises(RepoNotFoundError) as missing:
        hub.listing("nobody/nothing")
    assert str(missing.value) == (
        "Cannot list the files of nobody/nothing: nobody/nothing does not exist on the Hub, or it is private "
        "(log in with `hf auth login`)."
    )
    publish(fake_hub, "acme/M-GGUF", hub_models.small)
    with pytest.raises(RepoNotFoundError, match="that revision of acme/M-GGUF does not exist"):
        hub.listing("acme/M-GGUF", revision="v9")
    fake_hub.add_repo("meta/Gated", gated=True)
    publish(fake_hub, "meta/Gated", hub_models.small)
    listing = hub.listing("meta/Gated")  # metadata is public, the bytes are not
    assert listing.gated
    with pytest.raises(GatedRepoError, match="meta/Gated is gated: accept its licence"):
        fetch_header(hub, listing.repo_id, listing.revision, listing.models[0].path, listing.models[0].size)


def test_offline_mode_and_an_unreachable_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # what every test gets unless it asks for the fake Hub
    with pytest.raises(HubOfflineError, match="offline mode is on"):
        HubClient().search("llama")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(HubOfflineError, match=r"the Hub at http://127\.0\.0\.1:9 cannot be reached"):
        HubClient(endpoint="http://127.0.0.1:9").listing("acme/M-GGUF")  # port 9 (discard) is closed


def test_with_no_route_to_the_hub_a_search_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """huggingface_hub would retry the connection with backoff for about 20 s first."""
    from huggingface_hub import constants
    from huggingface_hub.utils import _http

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    waits: list[float] = []
    monkeypatch.setattr(_http.time, "sleep", waits.append)  # a retry would wait here
    with pytest.raises(HubOfflineError, match=r"cannot be reached \(.*refused"):
        HubClient(endpoint="http://127.0.0.1:9").search("llama")
    assert waits == []


def test_the_remote_estimate_matches_the_local_one(fake_hub: FakeHub, hub_models: HubModels) -> None:
    """One Range request reads the header; the estimate equals the one for the downloaded file,
    but for the header's bytes, which a remote estimate counts as weights."""
    small = publish(fake_hub, "acme/M-GGUF", hub_models.small)
    publish(fake_hub, "acme/M-GGUF", hub_models.large)
    hub = HubClient()
    listing = hub.listing("acme/M-GGUF")
    estimates = estimate_listing(hub, listing, n_ctx=1024)
    local = estimate_memory(shape_of_files([hub_models.large]), 1024)
    remote = estimates["Big-Q4_K_M.gguf"]
    assert remote.kv_cache == local.kv_cache and remote.compute == local.compute
    assert 0 < remote.weights - local.weights < 100_000  # the header
    ranges = [r.range for r in fake_hub.requests if r.method == "GET" and "/resolve/" in r.path]
    # One request per model (these two differ in shape), for the first 8 MiB or the whole small file.
    assert sorted(ranges) == sorted([f"bytes=0-{small.size - 1}", "bytes=0-8388607"])


def test_a_header_larger_than_the_first_request_is_fetched_in_full(fake_hub: FakeHub, hub_models: HubModels) -> None:
    published = publish(fake_hub, "acme/M-GGUF", hub_models.small)
    info = fetch_header(HubClient(), "acme/M-GGUF", "main", published.path, published.size, first_bytes=4096)
    assert info.architecture == "llama" and info.block_count == 2
    ranges = [r.range for r in fake_hub.requests if "/resolve/" in r.path]
    assert ranges[0] == "bytes=0-4095" and len(ranges) > 1


def test_the_fake_hub_answers_huggingface_hubs_own_calls(fake_hub: FakeHub, hub_models: HubModels) -> None:
    """HEAD metadata, tree and paths-info, as huggingface_hub itself parses them."""
    from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_url

    from models.hub import hub_endpoint

    published = publish(fake_hub, "acme/M-GGUF", hub_models.small, name="sub/Tiny-Q4_K_M.gguf")
    endpoint = hub_endpoint()
    meta = get_hf_file_metadata(hf_hub_url("acme/M-GGUF", published.path, endpoint=endpoint), endpoint=endpoint)
    assert (meta.size, meta.etag, meta.commit_hash) == (
        published.size,
        published.sha256,
        fake_hub.repos["acme/M-GGUF"].commit,
    )
    api = HfApi(endpoint=endpoint)
    (entry,) = [e for e in api.list_repo_tree("acme/M-GGUF", "sub") if e.path == published.path]
    assert entry.size == published.size and entry.lfs is not None and entry.lfs.sha256 == published.sha256
    (info,) = api.get_paths_info("acme/M-GGUF", [published.path])
    assert info.size == published.size
