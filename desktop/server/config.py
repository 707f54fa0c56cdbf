"""How the local server listens, and what it allows. Private by default: this machine only."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from desktop.server.errors import ServerError
from models.remote import is_loopback_host

DEFAULT_PORT = 8080
LOOPBACK = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"


# One rule for "only this machine" (127.0.0.0/8, ::1, localhost), shared with remote endpoints.
is_loopback = is_loopback_host


@dataclass(frozen=True)
class ServerConfig:
    host: str = LOOPBACK
    port: int = DEFAULT_PORT  # 0: any free port (tests, the bench)
    api_key: str | None = None  # required from every client when set; required to listen beyond loopback
    cors_origins: tuple[str, ...] = ()  # web pages allowed to call the server, e.g. "http://localhost:3000"
    allow_model_switch: bool = False  # a request may name another installed model, which is then loaded
    max_body_bytes: int = 4 * 1024 * 1024
    max_tokens_limit: int = 32_768  # the most `max_tokens` a request may ask for
    max_waiting: int = 16  # requests queued behind the running one; more are told to retry (503)
    retry_after_s: int = 5

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def check(self) -> None:
        """Raise ServerError for a configuration that must not start."""
        if not 0 <= self.port <= 65535:
            raise ServerError(f"Port {self.port} is not a port number (1–65535).")
        if not self.loopback and not self.api_key:
            raise ServerError(
                f"Listening on {self.host} lets other machines connect: that needs an API key "
                "(hearth serve --api-key-file FILE, or Settings → Local server)."
            )


def lan_address() -> str | None:
    """This machine's address on its local network, for showing the address to copy. A UDP
    socket is pointed at a private address to learn the outgoing interface; nothing is sent."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.254.254.254", 1))
        address: str = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if is_loopback(address) else address


def client_url(config: ServerConfig, port: int) -> str:
    """The base URL a client uses (OpenAI clients want the `/v1` suffix)."""
    host = config.host
    if host in (ALL_INTERFACES, "::", ""):
        host = lan_address() or LOOPBACK
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/v1"
