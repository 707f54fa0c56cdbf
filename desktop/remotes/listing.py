"""Every endpoint's models, for `hearth models list` and the window's model selector: one
endpoint that is down (or refused in offline mode) says why and does not hide the others."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from desktop.remotes.engine import client_for
from desktop.remotes.store import RemoteEndpoint, RemoteEndpoints
from models.errors import HearthModelError
from models.remote import Timeouts
from models.wire import ListedModel

# Listing is a glance, not an answer: an endpoint that takes longer is reported, not waited for.
LISTING_TIMEOUTS = Timeouts(connect_s=5.0, first_token_s=15.0, stall_s=15.0)


@dataclass(frozen=True)
class RemoteListing:
    endpoint: RemoteEndpoint
    host: str
    models: list[ListedModel] = field(default_factory=list)
    problem: str | None = None  # why its models are not listed

    def refs(self) -> list[str]:
        return [f"remote:{self.endpoint.name}/{model.id}" for model in self.models]


def _list_one(endpoints: RemoteEndpoints, endpoint: RemoteEndpoint, offline: bool) -> RemoteListing:
    host = endpoint.address.shown_host
    try:
        client = client_for(endpoints, endpoint, offline, LISTING_TIMEOUTS)
        return RemoteListing(endpoint, host, client.list_models())
    except HearthModelError as exc:
        return RemoteListing(endpoint, host, problem=str(exc))


def list_remote_models(endpoints: RemoteEndpoints, offline: bool) -> list[RemoteListing]:
    """Each endpoint's models, asked side by side."""
    known = endpoints.all()
    if not known:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(known)), thread_name_prefix="hearth-remote-list") as pool:
        return list(pool.map(lambda e: _list_one(endpoints, e, offline), known))
