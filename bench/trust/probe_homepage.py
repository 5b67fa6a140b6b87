"""
Item 4, the site's part: a package's page (C{/?package=NAME}, 95 kB) was made anew for every
request, 11-17 ms of the reactor's thread, made-up names' too. The time of one page for a
made-up name (one client, one after another), and warm badges' latencies alone and while four
clients ask made-up names' pages as fast as they are answered.
"""

import http.client
import threading
from pathlib import Path
from typing import Dict

from bench.trust import warm
from bench.trust.stack import Stack, percentile

ITEM = "4"
WHAT = "a made-up name's page, and warm badges while four clients ask such pages"

#: Seconds each phase samples the warm badges.
SECONDS = 10

#: Pages asked one after another, for the time of one; after as many not counted (PyPy's
#: JIT compiles what runs often).
PAGES = 200
WARM_UP = 200

WARM = [f"/v/bench-{n}/badge.svg" for n in range(5)]


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        figures: Dict[str, float] = {}
        connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60)
        times = []
        try:
            for n in range(WARM_UP + PAGES):
                # made-up names: nothing of one page is the next's
                seconds = _timed(lambda n=n: warm.get(stack.port, f"/?package=made-up-{n}", connection))
                if n >= WARM_UP:
                    times.append(seconds * 1000)
        finally:
            connection.close()
        figures["page_p50_ms"] = round(percentile(times, 0.5), 2)
        figures["page_p90_ms"] = round(percentile(times, 0.9), 2)
        figures.update(warm.summary("quiet", warm.warm_latencies(stack.port, WARM, SECONDS / 2)))
        connections: Dict[int, http.client.HTTPConnection] = {}
        lock = threading.Lock()

        def ask(client: int, n: int) -> None:
            with lock:
                own = connections.setdefault(
                    client, http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60))
            status = warm.get(stack.port, f"/?package=attacker-{client}-{n}", own)
            assert status == 200, status

        stop = warm.beside(4, ask)
        try:
            latencies = warm.warm_latencies(stack.port, WARM, SECONDS)
        finally:
            pages = stop()
            for own in connections.values():
                own.close()
        figures.update(warm.summary("beside_pages", latencies))
        figures["pages_per_s"] = round(pages["asked"] / SECONDS)
        return figures
    finally:
        stack.stop()


def _timed(call) -> float:
    import time

    started = time.monotonic()
    call()
    return time.monotonic() - started
