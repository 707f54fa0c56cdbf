"""Reading a JSON body the way OpenAI's API does: strict types, one sentence naming the bad field.

JSON that is not JSON (NaN, a number with thousands of digits, nesting a thousand deep) is a
400, never an exception that escapes: requests come from anywhere on the machine, or the network.
"""

from __future__ import annotations

import json
import math
from typing import Any

from models.wire.errors import WireError


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> object:
    """The decoded body; a WireError for anything that is not strict JSON text."""
    try:
        text = body.decode("utf-8")
        return json.loads(text, parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise WireError("The request body is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise WireError(f"The request body is not valid JSON ({exc.msg} at {where}).") from None
    except (ValueError, RecursionError):  # NaN, a 5,000-digit integer, nesting deeper than Python's stack
        raise WireError("The request body is JSON Hearth does not read (NaN, a huge number or deep nesting).") from None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class Fields:
    """One JSON object's fields, read with their types. Every field read (or named as ignored)
    is remembered, so whatever is left at the end is a field this reader does not know."""

    def __init__(self, body: object, prefix: str = "") -> None:
        if not isinstance(body, dict):
            where = f"'{prefix.rstrip('.')}'" if prefix else "The request body"
            raise WireError(f"{where} must be a JSON object, not {_kind(body)}.", param=prefix.rstrip(".") or None)
        self._body: dict[str, Any] = body
        self._prefix = prefix
        self._read: set[str] = set()

    def param(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def raw(self, name: str) -> object:
        """The value as it is (None when absent or null)."""
        self._read.add(name)
        return self._body.get(name)

    def wrong(self, name: str, expected: str) -> WireError:
        value = self._body.get(name)
        return WireError(f"'{self.param(name)}' must be {expected}, not {_kind(value)}.", param=self.param(name))

    def string(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise WireError(f"'{self.param(name)}' is required.", param=self.param(name))
            return default
        if not isinstance(value, str):
            raise self.wrong(name, "a string")
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.wrong(name, "true or false")
        return value

    def integer(self, name: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        # JSON has one number type: 3.0 is an integer, 3.5 and true are not.
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.wrong(name, "an integer")
        self._check_range(name, value, minimum, maximum)
        return value

    def number(self, name: str, minimum: float | None = None, maximum: float | None = None) -> float | None:
        value = self.raw(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.wrong(name, "a number")
        self._check_range(name, value, minimum, maximum)
        return float(value)

    def _check_range(self, name: str, value: float, minimum: float | None, maximum: float | None) -> None:
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            low = "" if minimum is None else f"{minimum:g}"
            high = "" if maximum is None else f"{maximum:g}"
            bounds = (f"between {low} and {high}" if low and high
                      else f"at least {low}" if low else f"at most {high}")
            raise WireError(f"'{self.param(name)}' must be {bounds}; {value:g} was given.", param=self.param(name))

    def ignore(self, *names: str) -> None:
        """Fields that change nothing here (e.g. `user`, `metadata`)."""
        self._read.update(names)

    def reject_unknown(self) -> None:
        """OpenAI's answer to a field it does not know: a field that may matter is never dropped silently."""
        unknown = sorted(set(self._body) - self._read)
        if unknown:
            names = ", ".join(unknown)
            raise WireError(f"Unrecognized request argument supplied: {names}.", param=self.param(unknown[0]))
