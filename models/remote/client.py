"""An HTTP client for OpenAI-compatible engines elsewhere: vLLM, llama-server, Ollama, LM Studio,
another Hearth.

The standard library's http.client, so every byte is under Hearth's control: how long it waits
(connecting, for the first token, between events), how much it reads (a model list, an error
body, a whole stream), and stopping, which closes the connection (vLLM, llama-server and
Hearth stop generating when their client goes away). Every failure is a RemoteError with one
sentence that names the host; the API key is sent in the Authorization header only, and no
message or log line ever carries it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from models.cancel import CancelToken
from models.errors import RemoteError
from models.remote.endpoint import EndpointUrl
from models.wire import (
    DONE_DATA,
    ChatRequest,
    EventDecoder,
    ListedModel,
    MalformedStreamError,
    Piece,
    Usage,
    WireError,
    read_chunk,
    read_error,
    read_model_list,
)

log = logging.getLogger(__name__)

MAX_LIST_BYTES = 8 * 1024 * 1024  # a model list: thousands of entries fit easily
MAX_ERROR_BYTES = 64 * 1024
MAX_STREAM_BYTES = 64 * 1024 * 1024  # a whole streamed answer: far above 32k tokens of SSE
RETRYABLE = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "Hearth (OpenAI-compatible client)"


@dataclass(frozen=True)
class Timeouts:
    connect_s: float = 10.0
    first_token_s: float = 300.0  # a big model reading a long prompt takes a while
    stall_s: float = 60.0  # between events once it answers; keep-alive comments do not count


class Cancelled(Exception):
    """Raised inside the client when the caller's token stopped the request."""


class RemoteClient:
    """One endpoint. Thread-safe: each request opens its own connection."""

    def __init__(
        self,
        url: EndpointUrl,
        api_key: str | None = None,
        *,
        ca_file: Path | None = None,
        offline: bool = False,
        timeouts: Timeouts = Timeouts(),
        retries: int = 2,
        backoff_s: float = 0.5,
    ) -> None:
        self.url = url
        self._key = api_key or None
        self._ca_file = ca_file
        self._offline = offline
        self.timeouts = timeouts
        self.retries = retries
        self.backoff_s = backoff_s

    def __repr__(self) -> str:  # never the key
        return f"RemoteClient({self.url.base!r}, key={'set' if self._key else 'none'})"

    @property
    def host(self) -> str:
        return self.url.shown_host

    # -- requests --------------------------------------------------------------------------

    def list_models(self) -> list[ListedModel]:
        with self._request("GET", "/models", None, self.timeouts.first_token_s) as (_sock, response):
            body = _read_capped(response, MAX_LIST_BYTES, f"{self.host}'s model list")
        try:
            return read_model_list(body)
        except MalformedStreamError as exc:
            raise RemoteError(f"{self.host} answered the model list oddly: {exc}") from exc

    def stream_chat(self, request: ChatRequest, on_piece: Callable[[Piece], None], cancel: CancelToken) -> str | None:
        """Stream `request`'s answer to `on_piece`; returns the finish reason the server gave
        (None when it gave none). A 429 or 5xx is retried with backoff before the first piece,
        never after. Raises RemoteError, or returns early when `cancel` is set."""
        body = json.dumps(request.to_json()).encode()
        attempt = 0
        while True:
            try:
                return self._stream_once(body, request.model, on_piece, cancel)
            except _Retryable as retry:
                attempt += 1
                if attempt > self.retries:
                    raise RemoteError(retry.message) from None
                pause = retry.after_s if retry.after_s is not None else self.backoff_s * 2 ** (attempt - 1)
                log.info("%s answered HTTP %d; retrying in %.1f s", self.host, retry.status, pause)
                if cancel.wait(pause):
                    return None
            except Cancelled:
                return None

    def _stream_once(
        self, body: bytes, model: str, on_piece: Callable[[Piece], None], cancel: CancelToken
    ) -> str | None:
        with self._request("POST", "/chat/completions", body, self.timeouts.first_token_s, model, cancel) as (
            sock, response
        ):
            kind = (response.getheader("Content-Type") or "").lower()
            if "text/event-stream" not in kind:
                return self._whole_answer(response, on_piece)  # a server that ignored "stream"
            return self._read_stream(sock, response, on_piece, cancel)

    def _read_stream(self, sock: socket.socket, response: http.client.HTTPResponse, on_piece: Callable[[Piece], None],
                     cancel: CancelToken) -> str | None:
        decoder = EventDecoder()
        received = 0
        finish: str | None = None
        answered = False
        last_event = time.monotonic()
        while True:
            try:
                data = response.read1(65536)
            except (OSError, http.client.HTTPException) as exc:
                if cancel.cancelled:
                    raise Cancelled from None
                if isinstance(exc, TimeoutError | socket.timeout):
                    raise RemoteError(self._stalled(answered)) from None
                raise RemoteError(f"The connection to {self.host} broke mid-answer ({_reason(exc)}).") from None
            if cancel.cancelled:
                raise Cancelled
            received += len(data)
            if received > MAX_STREAM_BYTES:
                raise RemoteError(f"{self.host} sent more than {MAX_STREAM_BYTES >> 20} MiB for one answer; "
                                  "Hearth stopped reading.")
            try:
                events = decoder.feed(data) if data else decoder.close()
            except MalformedStreamError as exc:
                raise RemoteError(f"{self.host} sent a broken answer: {exc}") from None
            for event in events:
                if event.strip() == DONE_DATA:
                    return finish
                try:
                    piece = read_chunk(event)
                except MalformedStreamError as exc:
                    raise RemoteError(f"{self.host} sent a broken answer: {exc}") from None
                except WireError as exc:
                    raise RemoteError(f"{self.host} reported an error mid-answer: {exc.message}") from None
                last_event = time.monotonic()
                if not answered and (piece.content or piece.reasoning):
                    answered = True
                    sock.settimeout(self.timeouts.stall_s)  # from now on, a pause this long is a stall
                finish = piece.finish_reason or finish
                on_piece(piece)
            if not data:  # the server closed the stream
                if finish is not None:
                    return finish  # servers that end without [DONE] (some proxies drop it)
                raise RemoteError(f"{self.host} closed the connection mid-answer; what came is kept.")
            limit = self.timeouts.stall_s if answered else self.timeouts.first_token_s
            if time.monotonic() - last_event > limit:  # only keep-alive comments for too long
                raise RemoteError(self._stalled(answered))

    def _stalled(self, answered: bool) -> str:
        if answered:
            return f"{self.host} stopped sending for {self.timeouts.stall_s:.0f} s mid-answer; what came is kept."
        return f"{self.host} sent no answer within {self.timeouts.first_token_s:.0f} s."

    def _whole_answer(self, response: http.client.HTTPResponse, on_piece: Callable[[Piece], None]) -> str | None:
        raw = _read_capped(response, MAX_STREAM_BYTES, f"{self.host}'s answer")
        try:
            body = json.loads(raw)
            choice = body["choices"][0]
            message = choice["message"]
            content, reasoning = message.get("content") or "", message.get("reasoning_content") or ""
            if not isinstance(content, str) or not isinstance(reasoning, str):
                raise TypeError("content is not text")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise RemoteError(f"{self.host} answered with something that is not a chat answer.") from None
        finish = choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None
        usage = Usage.from_json(body.get("usage"))
        on_piece(Piece(content=content, reasoning=reasoning, finish_reason=finish, usage=usage))
        return finish

    # -- the connection --------------------------------------------------------------------

    @contextmanager
    def _request(self, method: str, path: str, body: bytes | None, read_timeout_s: float, model: str | None = None,
                 cancel: CancelToken | None = None) -> Iterator[tuple[socket.socket, http.client.HTTPResponse]]:
        if self._offline and not self.url.loopback:
            raise RemoteError(
                f"Offline mode is on, so Hearth does not connect to {self.host}; turn it off in Settings, "
                "or use an engine on this machine (localhost)."
            )
        connection = self._connection()
        response: http.client.HTTPResponse | None = None
        finished = threading.Event()
        try:
            try:
                connection.connect()
                sock = connection.sock  # kept: http.client lets go of it once a response says "close"
                assert isinstance(sock, socket.socket)
                sock.settimeout(read_timeout_s)
                if cancel is not None:
                    threading.Thread(target=_close_when_cancelled, args=(sock, cancel, finished),
                                     name="hearth-remote-stop", daemon=True).start()
                headers = {"Accept": "application/json, text/event-stream", "User-Agent": USER_AGENT}
                if body is not None:
                    headers["Content-Type"] = "application/json"
                if self._key:
                    headers["Authorization"] = f"Bearer {self._key}"
                connection.request(method, self.url.path + path, body=body, headers=headers)
                response = connection.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                if cancel is not None and cancel.cancelled:
                    raise Cancelled from None
                raise RemoteError(self._connection_error(exc, read_timeout_s)) from None
            if response.status != 200:
                self._refuse(response, path, model)
            yield sock, response
        finally:
            finished.set()
            if response is not None:
                response.close()  # its file holds the socket open after the connection lets go
            connection.close()

    def _connection(self) -> http.client.HTTPConnection:
        timeout = self.timeouts.connect_s
        if self.url.secure:
            context = ssl.create_default_context(cafile=str(self._ca_file) if self._ca_file else None)
            return http.client.HTTPSConnection(self.url.host, self.url.port, timeout=timeout, context=context)
        return http.client.HTTPConnection(self.url.host, self.url.port, timeout=timeout)

    def _connection_error(self, exc: BaseException, read_timeout_s: float) -> str:
        host = self.host
        if isinstance(exc, ConnectionRefusedError):
            return f"{host} refused the connection: is the engine running and listening on port {self.url.port}?"
        if isinstance(exc, socket.gaierror):
            return f"{self.url.host} cannot be found (DNS); check the address and your network."
        if isinstance(exc, TimeoutError | socket.timeout):
            return f"{host} did not answer within {max(read_timeout_s, self.timeouts.connect_s):.0f} s."
        if isinstance(exc, ssl.SSLCertVerificationError):
            return (f"{host}'s certificate cannot be verified ({exc.verify_message}); "
                    "give the endpoint its CA file if it uses its own.")
        if isinstance(exc, ssl.SSLError):
            return f"The secure connection to {host} failed ({exc.reason or 'TLS error'}); is it really https?"
        if isinstance(exc, http.client.HTTPException):
            return f"{host} did not answer in HTTP ({_reason(exc)}); is this the right address?"
        return f"Cannot reach {host} ({_reason(exc)})."

    def _refuse(self, response: http.client.HTTPResponse, path: str, model: str | None) -> None:
        status = response.status
        try:
            raw = response.read(MAX_ERROR_BYTES)
        except (OSError, http.client.HTTPException):
            raw = b""
        said = read_error(status, raw).message
        host = self.host
        if status in (401, 403):
            if not self._key:
                raise RemoteError(f"{host} wants an API key (HTTP {status}); add the endpoint again with its key.")
            raise RemoteError(f"{host} refused the API key (HTTP {status}); check the key.")
        if status == 404:
            if model is not None:
                raise RemoteError(f"{host} does not serve the model '{model}' (HTTP 404: {said})")
            raise RemoteError(f"{host} has no OpenAI-compatible API at {self.url.path}{path} (HTTP 404); "
                              "check the address (it usually ends in /v1).")
        if status in RETRYABLE:
            busy = "is busy" if status in (429, 503) else "failed"
            raise _Retryable(status, f"{host} {busy} (HTTP {status}: {said})", _retry_after(response))
        raise RemoteError(f"{host} refused the request (HTTP {status}: {said})")


class _Retryable(Exception):
    def __init__(self, status: int, message: str, after_s: float | None) -> None:
        super().__init__(message)
        self.status, self.message, self.after_s = status, message, after_s


def _retry_after(response: http.client.HTTPResponse) -> float | None:
    value = response.getheader("Retry-After")
    try:
        return min(max(float(value), 0.0), 10.0) if value else None
    except ValueError:
        return None


def _read_capped(response: http.client.HTTPResponse, limit: int, what: str) -> bytes:
    try:
        body = response.read(limit + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise RemoteError(f"Reading {what} failed ({_reason(exc)}).") from None
    if len(body) > limit:
        raise RemoteError(f"{what[0].upper()}{what[1:]} is larger than {limit >> 20} MiB; Hearth stopped reading.")
    return body


def _close_when_cancelled(sock: socket.socket, cancel: CancelToken, finished: threading.Event) -> None:
    """Stop = close the stream: a blocked read returns at once, and the server sees its client go."""
    while not finished.is_set():
        if cancel.wait(0.05):
            if not finished.is_set():
                with contextlib.suppress(OSError):  # closed meanwhile
                    sock.shutdown(socket.SHUT_RDWR)
            return


def _reason(exc: BaseException) -> str:
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:117] + "..."
