"""
What the soak's daemon holds, for finding what grows (bench/soak.py --probe puts this folder
on the daemon's PYTHONPATH): on SIGUSR2 the daemon collects, counts the objects the collector
sees by type, adds PyPy's memory statistics or tracemalloc's biggest sites (CPython, when
PYPIPINS_SOAK_TRACEMALLOC is set), and appends one JSON line to $PYPIPINS_SOAK_PROBE.

Probing costs the daemon seconds and memory of its own, so the soak's measured runs go without.
"""

import ctypes
import gc
import json
import os
import signal
import sys
import time
from collections import Counter

_OUT = os.environ["PYPIPINS_SOAK_PROBE"]
if os.environ.get("PYPIPINS_SOAK_TRACEMALLOC") and not hasattr(sys, "pypy_version_info"):
    import tracemalloc

    tracemalloc.start(int(os.environ["PYPIPINS_SOAK_TRACEMALLOC"]))


def _probe(signum, frame):
    started = time.monotonic()
    rss = {"before": _rss()}
    gc.collect()
    rss["collected"] = _rss()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    rss["trimmed"] = _rss()
    objects = gc.get_objects()
    counts = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in objects)
    record = {"time": time.time(), "objects": sum(counts.values()), "types": dict(counts.most_common(80)),
              "rss_mb": rss}
    for o in objects:
        if type(o).__name__ == "PacedCollector":
            record["paced"] = {"collections": o.collections, "pacing": repr(o.pacing)}
    if os.environ.get("PYPIPINS_SOAK_BIGGEST"):
        record["biggest"] = _biggest(objects)
    del objects
    if hasattr(sys, "pypy_version_info"):
        stats = gc.get_stats()
        record["pypy"] = {name: str(getattr(stats, name)) for name in dir(stats)
                          if not name.startswith("_") and not callable(getattr(stats, name))}
    else:
        import tracemalloc

        if tracemalloc.is_tracing():
            top = tracemalloc.take_snapshot().statistics("traceback")[:30]
            record["tracemalloc"] = [{"kb": round(s.size / 1024), "count": s.count,
                                      "where": [f"{f.filename}:{f.lineno}" for f in s.traceback]} for s in top]
            record["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
    record["probe_seconds"] = round(time.monotonic() - started, 2)
    with open(_OUT, "a") as out:
        out.write(json.dumps(record) + "\n")


def _rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))


def _name(o):
    return f"{type(o).__module__}.{type(o).__qualname__}"


def _biggest(objects, top=15):
    """
    The longest sized objects the collector sees, with the types of what holds them (two steps up).
    """
    sized = []
    for i, o in enumerate(objects):
        if isinstance(o, (bytes, str, bytearray, list, dict, tuple, set)):
            length = len(o)
            if length >= 4096:
                sized.append((length, i))
    sized.sort(reverse=True)
    found = []
    for length, i in sized[:top]:
        o = objects[i]
        holders = [h for h in gc.get_referrers(o) if h is not objects]
        found.append({"type": _name(o), "len": length,
                      "held_by": [[_name(h), sorted({_name(g) for g in gc.get_referrers(h)
                                                     if g is not objects and g is not holders})[:6]]
                                  for h in holders[:4]]})
    found.append({"sized_over_4096": len(sized), "their_lengths": sum(length for length, _ in sized),
                  "by_type": Counter(_name(objects[i]) for _, i in sized).most_common(10)})
    return found


signal.signal(signal.SIGUSR2, _probe)
