"""
PyPy's major collections, paced for a daemon that keeps caches.

PyPy begins a major collection when its heap has grown to 1.82 times what the last one left
(``PYPY_GC_MAJOR_COLLECT``), and the process keeps what the heap reached: a daemon whose caches
hold 100 MB lives at up to 180 MB of heap, and the allocator's free lists on top. Its soak
(bench/soak.py) climbed past 300 MB that way, with what was alive flat. Environment variables
are read as the interpreter starts, too late for a twistd plugin; so, as PyPy's documentation
proposes for a policy of one's own, the daemon turns PyPy's major collections off
(``gc.disable()``, minor collections and finalizers go on) and runs them itself, a step at
each minor collection, from a lower growth (L{MAJOR_COLLECT}, 1.3); once one is done, the memory it
freed is handed back to the system (glibc's ``malloc_trim``), so that the resident size follows
what is alive. Start-up's garbage goes at once. An operator who sets ``PYPY_GC_MAJOR_COLLECT`` keeps PyPy's own pacing.
CPython collects otherwise, and is left to L{pypipins.wiring.InterpreterTuning}.
"""

import gc
import os
import sys
from typing import Any, Callable, Optional

import attr
from twisted.application.service import Service

__all__ = ["Pacing", "PacedCollector", "MAJOR_COLLECT"]

MiB = 1024 * 1024

#: A major collection begins when the heap has grown by this much since the last one left it
#: (PyPy's own: 1.82). bench/soak.py's figures for it are in docs/BENCHMARKS.md.
MAJOR_COLLECT = 1.3

#: No major collection below this much heap (PyPy's ``PYPY_GC_MIN`` is 8 times the nursery).
MINIMUM = 64 * MiB

#: At most this growth of the threshold from one collection to the next (``PYPY_GC_GROWTH``),
#: so that a burst of garbage at the wrong moment does not set it high.
GROWTH = 1.4


@attr.s(auto_attribs=True)
class Pacing:
    """
    When a major collection runs: begun once the memory used passes L{threshold}, stepped at
    each minor collection until done; the threshold then set from what the next minor
    collection finds used. Pure: fed the collector's figures.
    """

    factor: float = MAJOR_COLLECT
    minimum: float = MINIMUM
    growth: float = GROWTH
    threshold: float = attr.ib(default=attr.Factory(lambda self: self.minimum, takes_self=True))
    #: Whether a major collection is under way.
    collecting: bool = False
    #: Whether the next minor collection's figure is what the last major one left.
    measure: bool = False

    def minor(self, used: float) -> bool:
        """
        Whether to take a step of a major collection, after a minor one left C{used} bytes in use.
        """
        if self.measure:
            self.measure = False
            self.threshold = max(self.minimum, min(used * self.factor, self.threshold * self.growth))
        if not self.collecting and used > self.threshold:
            self.collecting = True
        return self.collecting

    def done(self) -> None:
        """
        A major collection ended.
        """
        self.collecting = False
        self.measure = True


def _trimmer() -> Callable[[], Any]:
    """
    glibc's ``malloc_trim(0)``, or nothing elsewhere.
    """
    try:
        from cffi import FFI  # type: ignore[import-untyped]  # PyPy ships it; only PyPy asks

        ffi = FFI()
        ffi.cdef("int malloc_trim(size_t pad);")
        libc = ffi.dlopen(None)
        trim: Callable[[int], Any] = libc.malloc_trim
    except (ImportError, OSError, AttributeError):
        return lambda: None
    return lambda: trim(0)


class PacedCollector(Service):
    """
    On PyPy, major collections paced by L{Pacing} and memory handed back after each; nothing
    elsewhere, or when ``PYPY_GC_MAJOR_COLLECT`` is set.
    """

    def __init__(self, pacing: Optional[Pacing] = None) -> None:
        self.pacing = pacing if pacing is not None else Pacing()
        #: Major collections this service ran.
        self.collections = 0
        self._trim: Callable[[], Any] = lambda: None

    @staticmethod
    def applies() -> bool:
        return hasattr(sys, "pypy_version_info") and "PYPY_GC_MAJOR_COLLECT" not in os.environ

    def startService(self) -> None:
        super().startService()
        if self.applies():
            self._trim = _trimmer()
            gc.hooks.on_gc_minor = self._minor  # type: ignore[attr-defined]  # PyPy's
            gc.disable()
            # start-up's garbage (simple-icons' table read whole, modules' code) collected and
            # handed back before any request: some 25 MB of the resident size on PyPy
            gc.collect()
            self._trim()

    def stopService(self) -> Any:
        # another collector may have taken the hook since (services started in one process)
        if self.applies() and gc.hooks.on_gc_minor == self._minor:  # type: ignore[attr-defined]
            gc.hooks.on_gc_minor = None  # type: ignore[attr-defined]
            gc.enable()
        return super().stopService()

    def _minor(self, stats: Any) -> None:
        # a step for each minor collection since the last call (PyPy's own pacing takes one at
        # each), which the hook reports together
        if not self.pacing.minor(stats.total_memory_used):
            return
        for _ in range(max(1, stats.count)):
            try:
                done = gc.collect_step().major_is_done  # type: ignore[attr-defined]  # PyPy's
            except ValueError:
                # PyPy fires the hook while finalizers or weakref callbacks run, where it
                # refuses a step ("finalizers are already enabled"): the next minor one takes it
                return
            if done:
                self.pacing.done()
                self.collections += 1
                self._trim()
                return
