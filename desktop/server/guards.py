"""What every request passes before a handler sees it, and the one shape of every error.

- Any error, including aiohttp's own (404, 405, 413) and a bug, leaves as OpenAI's error body
  `{"error": {...}}`; a bug is logged with its traceback and never shown to the client.
- Web pages: browsers send `Origin`; a page whose origin the user did not list is refused (403),
  so a website the user visits cannot drive the model, and CORS headers go only to listed
  origins. Bound to loopback, a `Host` that is not loopback is refused too: that is how DNS
  rebinding reaches a server on 127.0.0.1.
- The API key, when one is set: `Authorization: Bearer KEY`, compared in constant time.
  /health answers without it (it says only whether a model is ready).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from desktop.server.config import ServerConfig, is_loopback
from desktop.server.keys import keys_match
from models.wire import WireError, dumps, parse_json

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CONFIG = web.AppKey("config", ServerConfig)
OPEN_PATHS = frozenset({"/health"})


def error_response(error: WireError) -> web.Response:
    return web.json_response(error.to_json(), status=error.status, headers=error.headers, dumps=dumps)


async def read_json(request: web.Request) -> object:
    """The request's JSON body; 413 past the size limit, 400 for anything that is not JSON."""
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[CONFIG].max_body_bytes
        raise WireError(f"The request body is larger than {limit // 1024} KiB.", 413,
                        code="request_too_large") from None
    if not body:
        raise WireError("The request body is empty; send a JSON object.")
    return parse_json(body)


def _host_name(host: str) -> str:
    """"127.0.0.1:8080" -> "127.0.0.1", "[::1]:8080" -> "::1"."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _check_key(request: web.Request, key: str) -> None:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise WireError("This server needs an API key: send it as 'Authorization: Bearer KEY'.", 401,
                        code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})
    if not keys_match(key, given.strip()):
        raise WireError("Incorrect API key provided.", 401, code="invalid_api_key",
                        headers={"WWW-Authenticate": "Bearer"})


def _preflight(request: web.Request, origin: str) -> web.Response:
    return web.Response(status=204, headers={
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers", "Authorization, "
                                                                                             "Content-Type"),
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    })


def guard(config: ServerConfig) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            origin = request.headers.get("Origin")
            if origin is not None and origin not in config.cors_origins:
                raise WireError(f"Web pages from {origin} may not use this server; list the origin in "
                                "Hearth's local server settings to allow it.", 403, code="origin_not_allowed")
            if config.loopback and not is_loopback(_host_name(request.host)):
                raise WireError("This server answers requests addressed to this machine only.", 403,
                                code="host_not_allowed")
            if request.method == "OPTIONS" and origin is not None:
                return _preflight(request, origin)
            if config.api_key and request.path not in OPEN_PATHS:
                _check_key(request, config.api_key)
            return await handler(request)
        except WireError as error:
            return error_response(error)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            text = {404: f"There is no {request.path} here; see /v1/models.",
                    405: f"{request.method} is not allowed on {request.path}."}.get(exc.status, exc.reason)
            return error_response(WireError(text, exc.status, code=exc.reason.lower().replace(" ", "_")))
        except ConnectionResetError:
            raise
        except Exception:
            log.exception("The local server failed on %s %s", request.method, request.path)
            return error_response(WireError("Something went wrong in Hearth's server; the log has the details.",
                                            500, kind="server_error"))

    return middleware


async def add_cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Before any response (streamed ones too) is sent: CORS headers for a listed origin."""
    origin = request.headers.get("Origin")
    if origin is not None and origin in request.app[CONFIG].cors_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
