"""Where the single-instance socket lives, and who is at its other end (Qt-free).

The socket that lets a second start bring the running window forward must be the user's own: a
socket in `/tmp` could be created first by another user, who would then answer "already running"
and keep Hearth from opening (socket squatting). So:

- Linux and other Unix systems: the socket is in a folder only this user can enter (0700, owned
  by the user, not a symbolic link): `$XDG_RUNTIME_DIR/Hearth` (the per-user runtime folder
  systemd makes, itself 0700), else `<tmp>/hearth-<uid>`; macOS: platformdirs' user runtime
  folder. A folder that exists but fails those checks is not used, and Hearth runs without the
  single-instance check rather than trust it.
- Both ends check the peer's user id where the system says it: `SO_PEERCRED` on Linux,
  `LOCAL_PEERCRED` on macOS and the BSDs. Elsewhere the private folder is the guard.
- Windows: Qt uses a named pipe, which it creates with an access list for the current user only
  (QLocalServer.UserAccessOption); the name carries the user and data folder.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import socket
import stat
import struct
import sys
import tempfile
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_FOLDER = "Hearth"
_MAX_SOCKET_PATH = 100  # sockaddr_un holds 104 (macOS) or 108 (Linux) bytes
_LOCAL_PEERCRED = 0x001  # macOS and FreeBSD: getsockopt(SOL_LOCAL=0, LOCAL_PEERCRED) -> struct xucred


def server_name(data_dir: Path) -> str:
    """The name QLocalServer listens on: a full path in a private folder, or a pipe name on Windows."""
    digest = hashlib.sha256(f"{getpass.getuser()}:{data_dir.resolve()}".encode()).hexdigest()[:16]
    name = f"hearth-{digest}"
    if sys.platform == "win32":
        return name
    folder = private_runtime_folder()
    if folder is None:
        return ""
    return str(folder / name)


def private_runtime_folder() -> Path | None:
    """This user's folder for the socket, created 0700 if needed; None when none can be trusted."""
    for candidate in _candidates():
        try:
            if _ensure_private(candidate) and len(str(candidate)) + 24 <= _MAX_SOCKET_PATH:
                return candidate
        except OSError as exc:
            log.info("Not using %s for the single-instance socket: %s", candidate, exc)
    log.warning("No private folder for the single-instance socket; a second Hearth may open")
    return None


def _candidates() -> list[Path]:
    uid = os.getuid()
    found = []
    if sys.platform == "darwin":
        found.append(Path(platformdirs.user_runtime_dir(APP_FOLDER, appauthor=False)))
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and _owned_private_dir(Path(runtime)):
        found.append(Path(runtime) / APP_FOLDER)
    found.append(Path(tempfile.gettempdir()) / f"hearth-{uid}")
    return found


def _owned_private_dir(path: Path) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def _ensure_private(folder: Path) -> bool:
    """Create `folder` 0700 (its parent must exist), or accept it only if it already is the user's own."""
    try:
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)
    except FileExistsError:
        pass
    if not _owned_private_dir(folder):
        log.warning("%s is not a private folder of this user; it is not used for the single-instance socket", folder)
        return False
    return True


def peer_uid(descriptor: int) -> int | None:
    """The user id of the process at the other end of a connected local socket; None where the
    system does not say (the private folder is then the only guard)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=os.dup(descriptor)) as peer:
            if hasattr(socket, "SO_PEERCRED"):
                credentials = peer.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
                _pid, uid, _gid = struct.unpack("3i", credentials)
                return int(uid)
            if sys.platform == "darwin" or sys.platform.startswith("freebsd"):
                credentials = peer.getsockopt(0, _LOCAL_PEERCRED, struct.calcsize("2I"))
                _version, uid = struct.unpack("2I", credentials)
                return int(uid)
    except OSError as exc:
        log.info("Could not ask who is at the other end of the socket: %s", exc)
    return None


def same_user(descriptor: int) -> bool:
    """True when the peer is this user, or when the system cannot say (see `peer_uid`)."""
    if sys.platform == "win32":
        return True  # the pipe's access list admits this user only
    uid = peer_uid(descriptor)
    return uid is None or uid == os.getuid()
