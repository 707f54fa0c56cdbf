"""Where a remote engine lives: its base URL, checked and written one way.

Users paste what their engine prints: `http://gpu-box:8000`, `http://localhost:11434/v1/`,
`https://llm.example.org/v1`. Hearth keeps the base URL that `/models` and `/chat/completions`
hang off, with `/v1` added when the path is empty (vLLM, llama-server, Ollama, LM Studio and
Hearth all serve the OpenAI API there). User names and passwords in the URL are refused: they
would end up in settings and logs; the API key has its own private place.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from models.errors import RemoteError

MAX_URL_CHARS = 2048
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def is_loopback_host(host: str) -> bool:
    """True for hosts only this machine reaches (127.0.0.0/8, ::1, "localhost")."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class EndpointUrl:
    base: str  # e.g. "http://gpu-box:8000/v1", no trailing slash
    scheme: str
    host: str
    port: int

    @property
    def secure(self) -> bool:
        return self.scheme == "https"

    @property
    def loopback(self) -> bool:
        return is_loopback_host(self.host)

    @property
    def path(self) -> str:
        return urlsplit(self.base).path

    @property
    def shown_host(self) -> str:
        """host, or host:port when the port is not the scheme's own: what the badge shows."""
        default = 443 if self.secure else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def parse_endpoint_url(text: str) -> EndpointUrl:
    """The base URL of an OpenAI-compatible API; RemoteError with one sentence when it is not one."""
    raw = text.strip()
    if not raw:
        raise RemoteError("Give the endpoint's address, for example http://gpu-box:8000/v1.")
    if len(raw) > MAX_URL_CHARS or any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F for c in raw):
        raise RemoteError("That address has spaces or control characters; give a URL such as http://gpu-box:8000/v1.")
    if "://" not in raw:
        raw = "http://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise RemoteError(f"That is not a usable address ({exc}).") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RemoteError(f"Hearth talks to remote engines over http or https, not {scheme}.")
    if parts.username or parts.password:
        raise RemoteError("Leave the user name and password out of the address; give the API key on its own.")
    host = parts.hostname or ""
    if not host:
        raise RemoteError("That address names no host; give one such as http://gpu-box:8000/v1.")
    if parts.query or parts.fragment:
        raise RemoteError("Give the API's base address without '?' or '#', for example http://gpu-box:8000/v1.")
    path = parts.path.rstrip("/")
    for suffix in ("/chat/completions", "/models"):  # a pasted full endpoint: keep its base
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    if not path:
        path = "/v1"
    port = port or (443 if scheme == "https" else 80)
    netloc_host = f"[{host}]" if ":" in host else host
    return EndpointUrl(f"{scheme}://{netloc_host}:{port}{path}", scheme, host, port)


def check_endpoint_name(name: str) -> str:
    """A name for the endpoint, as `remote:NAME/MODEL` uses it."""
    cleaned = name.strip()
    if not _NAME.match(cleaned):
        raise RemoteError(
            "An endpoint's name is 1–40 letters, digits, '.', '_' or '-', starting with a letter or digit "
            f"(not {cleaned[:40]!r})."
        )
    return cleaned
