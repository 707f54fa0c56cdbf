"""`hearth privacy ...`: encryption of the chats and documents from a terminal.

    status                      how the data is protected, and whether each file is encrypted
    encrypt [--keychain]        encrypt both databases with a new key, kept behind a passphrase
                                (asked twice, or read from HEARTH_PASSPHRASE_FILE) or in the keychain
    decrypt                     back to plain files; the key is removed
    lock                        lock the running window now (each command unlocks only for itself)
    forget [--yes]              remove the databases, the key, the log and the caches

Every other command that opens the chats or the documents unlocks them the same way
(`unlock_for_command`): the keychain, or the passphrase from HEARTH_PASSPHRASE_FILE or the
terminal, without echo.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from desktop.cli.output import emit
from desktop.paths import AppPaths
from desktop.privacy import (
    KeychainUnavailableError,
    LockedError,
    Privacy,
    PrivacyError,
    keychain_problem,
    strength,
)

PASSPHRASE_FILE_VARIABLE = "HEARTH_PASSPHRASE_FILE"


def add_privacy_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    privacy = commands.add_parser("privacy", help="encrypt your chats and documents, lock, forget")
    actions = privacy.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="how your chats and documents are protected")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    encrypt = actions.add_parser("encrypt", help="encrypt your chats and documents")
    encrypt.add_argument("--keychain", action="store_true",
                         help="keep the key in this computer's keychain instead of behind a passphrase")
    actions.add_parser("decrypt", help="turn encryption off (plain files again)")
    actions.add_parser("lock", help="lock the running Hearth window now")
    forget = actions.add_parser("forget", help="remove every chat, the documents index, the key, logs and caches")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def run_privacy_command(args: argparse.Namespace, paths: AppPaths) -> int:
    privacy = Privacy(paths)
    command: str = args.privacy_command
    if command == "status":
        return _status(args, privacy)
    if command == "encrypt":
        return _encrypt(privacy, args.keychain)
    if command == "decrypt":
        unlock_for_command(paths)  # also finishes an interrupted conversion
        if privacy.protection != "off":
            privacy.decrypt(_progress)
        print("Your chats and documents are plain files again; the key is removed.", file=sys.stderr)
        return 0
    if command == "lock":
        return _lock(paths)
    return _forget(privacy, args.yes)


def read_passphrase(prompt: str = "Passphrase for Hearth's chats: ") -> str:
    """From the file named by HEARTH_PASSPHRASE_FILE (one trailing newline ignored), else typed on
    the terminal without echo; LockedError when neither is possible."""
    named = os.environ.get(PASSPHRASE_FILE_VARIABLE)
    if named:
        try:
            text = Path(named).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PrivacyError(f"Cannot read the passphrase file {named} ({exc}).") from exc
        return text[:-1] if text.endswith("\n") else text
    if not sys.stdin.isatty():
        raise LockedError("Hearth's chats are encrypted with a passphrase: run this in a terminal to type it, or "
                          f"name a file that holds it in {PASSPHRASE_FILE_VARIABLE}.")
    return getpass.getpass(prompt, stream=sys.stderr)


def unlock_for_command(paths: AppPaths) -> Privacy:
    """Open the encrypted stores for this process (the keychain, or the passphrase)."""
    privacy = Privacy(paths)
    privacy.prepare()
    if privacy.needs_passphrase:
        privacy.unlock(read_passphrase(), _progress)
    return privacy


def _progress(fraction: float, text: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{text} {fraction:4.0%}", end="\n" if fraction >= 1 else "", file=sys.stderr, flush=True)


def _status(args: argparse.Namespace, privacy: Privacy) -> int:
    status = privacy.status()
    data = {
        "protection": status.protection,
        "unfinished": status.unfinished,
        "keychain": keychain_problem() or "available",
        "databases": [{"path": str(d.path), "exists": d.exists, "encrypted": d.encrypted} for d in status.databases],
    }
    lines = [status.describe()]
    for database in status.databases:
        state = "encrypted" if database.encrypted else "plain" if database.exists else "not created yet"
        lines.append(f"  {database.path.name:20} {state}")
    return emit(args, data, lines)


def _new_passphrase() -> str:
    if os.environ.get(PASSPHRASE_FILE_VARIABLE):
        passphrase = read_passphrase()
    else:
        passphrase = read_passphrase("Choose a passphrase: ")
        if read_passphrase("Type it again: ") != passphrase:
            raise PrivacyError("The two passphrases differ; nothing was changed.")
    verdict = strength(passphrase)
    if not verdict.acceptable:
        raise PrivacyError(f"{verdict.hint} Nothing was changed.")
    print(f"Passphrase strength: {verdict.hint}", file=sys.stderr)
    return passphrase


def _encrypt(privacy: Privacy, use_keychain: bool) -> int:
    privacy.prepare()
    if use_keychain:
        try:
            privacy.encrypt(use_keychain=True, progress=_progress)
        except KeychainUnavailableError as exc:
            if not (os.environ.get(PASSPHRASE_FILE_VARIABLE) or sys.stdin.isatty()):
                raise
            print(f"{exc} Falling back to a passphrase.", file=sys.stderr)
        else:
            print("Encrypted; the key is in this computer's keychain.", file=sys.stderr)
            return 0
    privacy.encrypt(_new_passphrase(), progress=_progress)
    print("Encrypted. Hearth will ask for this passphrase at start; without it nobody, Hearth included, can read "
          "your chats.", file=sys.stderr)
    return 0


def _lock(paths: AppPaths) -> int:
    from desktop.ui.single_instance import request_lock

    if request_lock(paths.config):
        print("Hearth's window is locked.", file=sys.stderr)
    else:
        print("Hearth's window is not running; nothing else stays unlocked (each command unlocks only for itself).",
              file=sys.stderr)
    return 0


def _forget(privacy: Privacy, confirmed: bool) -> int:
    from desktop.ui.single_instance import is_running

    if is_running(privacy.paths.config):
        raise PrivacyError("Hearth's window is open: use Forget everything in its settings, or close it first.")
    if not confirmed:
        if not sys.stdin.isatty():
            raise PrivacyError("This removes every chat and the documents index for good: add --yes to confirm.")
        answer = input("Remove every chat, the documents index, the key, the log and the caches for good? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was removed.", file=sys.stderr)
            return 1
    removed = privacy.forget_everything()
    print(f"Forgotten: {len(removed)} files removed (your models and your own documents stay).", file=sys.stderr)
    return 0
