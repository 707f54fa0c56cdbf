"""Remote endpoints as the app keeps them: names and addresses in a settings file, API keys in
the keychain (or a private file), and a remote model as the conversation flow's AnswerEngine.

Qt-free, beside desktop.chats (an import-linter contract keeps it so). The HTTP side is
`models.remote`.
"""

from desktop.remotes.engine import PREFIX, RemoteEngine, RemoteModelRef, client_for, is_remote_ref, parse_remote_ref
from desktop.remotes.listing import RemoteListing, list_remote_models
from desktop.remotes.store import ENDPOINTS_FILE, KEYS_FILE, RemoteEndpoint, RemoteEndpoints, clean_key

__all__ = [
    "ENDPOINTS_FILE",
    "KEYS_FILE",
    "PREFIX",
    "RemoteEndpoint",
    "RemoteEndpoints",
    "RemoteEngine",
    "RemoteListing",
    "RemoteModelRef",
    "clean_key",
    "client_for",
    "is_remote_ref",
    "list_remote_models",
    "parse_remote_ref",
]
