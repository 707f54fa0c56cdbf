"""The one error of the wire format: a request that cannot be honoured, as OpenAI reports it."""

from __future__ import annotations

from typing import Any

ErrorType = str  # "invalid_request_error", "authentication_error", "server_error", ...


class WireError(Exception):
    """An HTTP status with OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`.

    `message` is one plain sentence; `param` names the request field at fault, when one is."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        *,
        param: str | None = None,
        code: str | None = None,
        kind: ErrorType = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.param = param
        self.code = code
        self.type = kind  # OpenAI's `type`
        self.headers = headers or {}

    def to_json(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    @classmethod
    def from_json(cls, status: int, body: object) -> WireError:
        """The error a server answered (for clients of OpenAI-compatible servers)."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(f"The server answered HTTP {status}.", status, kind="server_error")
        message, kind = error.get("message"), error.get("type")
        return cls(
            message if isinstance(message, str) and message else f"The server answered HTTP {status}.",
            status,
            param=error.get("param") if isinstance(error.get("param"), str) else None,
            code=str(error["code"]) if error.get("code") is not None else None,
            kind=kind if isinstance(kind, str) else "server_error",
        )
