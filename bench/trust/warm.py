"""
What the reactor's thread being busy costs everyone else: warm badges' latencies, asked one
at a time over a kept-alive connection while a load runs beside them in other threads
(the probes of item 4, work over a few milliseconds on the reactor's thread).
"""

import http.client
import threading
import time
from typing import Callable, Dict, List, Sequence

from bench.trust.stack import percentile


def get(port: int, path: str, connection: "http.client.HTTPConnection | None" = None,
        timeout: float = 60) -> int:
    """
    The status of a GET of C{path}, its body read; over C{connection} when given (kept
    alive), else a new one.
    """
    own = connection is None
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout) if own else connection
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        if own:
            conn.close()


def warm_latencies(port: int, paths: Sequence[str], seconds: float, pause: float = 0.01) -> List[float]:
    """
    Milliseconds of each of C{paths} (asked once before, so kept ready), asked in turn for
    C{seconds}, C{pause} seconds apart.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for path in paths:
        get(port, path, connection)
    latencies = []
    deadline = time.monotonic() + seconds
    n = 0
    try:
        while time.monotonic() < deadline:
            started = time.monotonic()
            get(port, paths[n % len(paths)], connection)
            latencies.append((time.monotonic() - started) * 1000)
            n += 1
            time.sleep(pause)
    finally:
        connection.close()
    return latencies


def beside(clients: int, ask: Callable[[int, int], None]) -> Callable[[], Dict[str, float]]:
    """
    Start C{clients} threads, each calling C{ask(client, n)} for n = 0, 1, ... until told
    to stop; returns what stops them and counts what they did (C{asked}, and C{ask_ms}, the
    median time of one).
    """
    stop = threading.Event()
    times: List[float] = []

    def run(client: int) -> None:
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            ask(client, n)
            times.append((time.monotonic() - started) * 1000)
            n += 1

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in range(clients)]
    for thread in threads:
        thread.start()

    def stopped() -> Dict[str, float]:
        stop.set()
        for thread in threads:
            thread.join(120)
        return {"asked": len(times), "ask_ms": round(percentile(times, 0.5), 1) if times else 0.0}

    return stopped


def summary(prefix: str, latencies: Sequence[float]) -> Dict[str, float]:
    return {
        f"{prefix}_p50_ms": round(percentile(latencies, 0.50), 1),
        f"{prefix}_p99_ms": round(percentile(latencies, 0.99), 1),
        f"{prefix}_max_ms": round(max(latencies), 1),
    }
