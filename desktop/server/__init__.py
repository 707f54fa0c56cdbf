"""Hearth as a local OpenAI-compatible server: other apps use the model Hearth runs.

Qt-free (an import-linter contract keeps it so), below the window: the window's settings
switch it through a bridge in desktop/ui, `hearth serve` runs it headless. It shares the one
engine worker with the window and speaks the OpenAI wire format of `models.wire`.
"""

from desktop.server.catalog import STARTER_ALIAS, CatalogEntry, ModelCatalog
from desktop.server.config import ALL_INTERFACES, DEFAULT_PORT, LOOPBACK, ServerConfig, client_url, is_loopback
from desktop.server.errors import ApiKeyError, ServerError
from desktop.server.gate import ServerStatus
from desktop.server.keys import KEY_FILE_NAME, generate_key, keys_match, load_or_create_key, read_key, write_key
from desktop.server.server import LocalServer

__all__ = [
    "ALL_INTERFACES",
    "DEFAULT_PORT",
    "KEY_FILE_NAME",
    "LOOPBACK",
    "STARTER_ALIAS",
    "ApiKeyError",
    "CatalogEntry",
    "LocalServer",
    "ModelCatalog",
    "ServerConfig",
    "ServerError",
    "ServerStatus",
    "client_url",
    "generate_key",
    "is_loopback",
    "keys_match",
    "load_or_create_key",
    "read_key",
    "write_key",
]
