"""Errors the app raises. Model-layer errors derive from `models.errors.HearthModelError`."""

from models.errors import HearthModelError


class HearthError(HearthModelError):
    """Base of the app's own errors; the CLI prints them as one line and exits 1."""
