"""Hearth: a local-first desktop chat app for open-weight models."""

__version__ = "0.1.0"
