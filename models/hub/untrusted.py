"""Values the Hub sends that become paths or decide what is installed, checked before use.

Anything at `HF_ENDPOINT` can answer anything, so nothing it says is used as a path unchecked:

- a revision is a commit id, 40 hexadecimal digits (it names a folder when another revision of
  a file is installed already);
- a repo id is `owner/name` in the Hub's own alphabet (letters, digits, `-`, `_`, `.`);
- a file's path in a repo is relative and POSIX: no leading `/`, no `\\`, no `:` (a Windows drive
  or stream), no empty, `.` or `..` part, no hidden (`.`-led) part, no control characters.
  Folders are allowed because the Hub has them legitimately (a split model's parts often sit in
  a folder named after the quantization, `Q4_K_M/model-00001-of-00002.gguf`), and they never
  reach the disk: a model is installed under its file's last part alone, in its repo's folder;
- a sha256 is 64 hexadecimal digits; anything else counts as missing (the download then asks
  for it again, and refuses to install a file it cannot verify).

Each check raises HubError with one sentence; callers refuse the whole answer rather than use
part of a hostile one.
"""

from __future__ import annotations

import re
from typing import Any

from models.errors import HubError

_REVISION = re.compile(r"[0-9a-f]{40}")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_REPO_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_FORBIDDEN = re.compile(r"[\\:\x00-\x1f\x7f]")
MAX_PATH_CHARS = 1000
MAX_NAME_BYTES = 255


def checked_revision(value: Any) -> str:
    """A commit id as the Hub writes it (lower-case hex, 40 digits)."""
    if isinstance(value, str) and _REVISION.fullmatch(value):
        return value
    raise HubError(f"The Hub answered with an invalid commit id ({_shown(value)}); Hearth does not use this answer.")


def checked_repo_id(value: Any) -> str:
    if isinstance(value, str):
        owner, slash, name = value.partition("/")
        if slash and _REPO_PART.fullmatch(owner) and _REPO_PART.fullmatch(name) and ".." not in value:
            return value
    raise HubError(f"The Hub answered with an invalid repository name ({_shown(value)}).")


def checked_repo_path(value: Any) -> str:
    """A file's path in a repo, safe to name a file (by its last part) and to put in a URL."""
    if isinstance(value, str) and 0 < len(value) <= MAX_PATH_CHARS and not _FORBIDDEN.search(value):
        parts = value.split("/")
        if all(part and not part.startswith(".") and len(part.encode()) <= MAX_NAME_BYTES for part in parts):
            return value
    raise HubError(
        f"The Hub listed a file with an unsafe name ({_shown(value)}); Hearth does not download from this answer."
    )


def checked_sha256(value: Any) -> str | None:
    """The sha256 in lower case, or None when the Hub gave none (or something that is not one)."""
    if isinstance(value, str) and _SHA256.fullmatch(value.strip('"')):
        return value.strip('"').lower()
    return None


def checked_size(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise HubError(f"The Hub listed an invalid file size ({_shown(value)}).")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
