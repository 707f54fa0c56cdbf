"""Guards against Qt-binding bugs that would crash Hearth, so an upgrade cannot bring them back."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)


def test_emitting_bools_keeps_their_reference_counts() -> None:
    """PySide6 6.12.0 decrements True's refcount on every emission; the interpreter then aborts
    with "bool_dealloc: deallocating True or False". pyproject.toml excludes that release."""
    emitter = _Emitter()
    received: list[bool] = []
    emitter.flag.connect(received.append)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(200):
        emitter.flag.emit(True)
        emitter.flag.emit(False)
    received.clear()
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
