"""Lowering the priority of the calling thread only, so indexing yields the CPU to chat and the window.

`os.nice` would be wrong on macOS and the BSDs, where it lowers the whole process (the chat
engine included). Linux schedules threads as tasks: `setpriority` on the thread's own id lowers
that thread, and the threads it creates afterwards inherit it (llama.cpp's worker threads for
the embedding model, created on first use from this thread). macOS has a per-thread quality of
service class instead; Windows a per-thread priority.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

NICE_INCREMENT = 10
_QOS_CLASS_UTILITY = 0x11  # <sys/qos.h>: long-running work the user is not waiting on
_THREAD_PRIORITY_BELOW_NORMAL = -1


def lower_current_thread_priority() -> bool:
    """True when the calling thread's priority was lowered; failure is logged, never raised."""
    try:
        if sys.platform.startswith("linux"):
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + NICE_INCREMENT))
            return True
        if sys.platform == "darwin":
            libc = ctypes.CDLL("/usr/lib/libSystem.B.dylib")
            return int(libc.pthread_set_qos_class_self_np(_QOS_CLASS_UTILITY, 0)) == 0
        if sys.platform == "win32":
            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            return bool(kernel32.SetThreadPriority(kernel32.GetCurrentThread(), _THREAD_PRIORITY_BELOW_NORMAL))
    except (OSError, AttributeError) as exc:
        log.info("Could not lower the indexing thread's priority: %s", exc)
    return False


def current_thread_nice() -> int | None:
    """The calling thread's nice value on Linux (for tests), else None."""
    if not sys.platform.startswith("linux"):
        return None
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
