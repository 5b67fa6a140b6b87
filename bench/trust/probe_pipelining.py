"""
Item 2: pipelined requests never read. One connection writes 1,000 x ``GET /?package=six`` (a
91 KB page) at once and reads nothing; then many such connections. Meanwhile another client
asks a warm badge again and again: its latencies, and the daemon's RSS above where it started,
at the peak and once the attackers have gone. Then (the issue's last weakness, measured again
after items 1 and 2) a burst of slow readers: connections that ask the page a few times and
read their answers a few KB at a time (first, on a daemon that has not yet kept the memory
of the attacks); the RSS at its peak and after.
"""

import select
import socket
import threading
import time
from pathlib import Path
from typing import Dict, List, Tuple

from bench.trust.stack import Stack, percentile, timed_get

ITEM = "2"
WHAT = ("1,000 pipelined GET /?package=six never read, on one connection then many: others' "
        "warm badges and RSS; then a burst of slow readers' RSS (the PyPy memory weakness)")
ROUNDS = 2

PAGE = b"GET /?package=six HTTP/1.1\r\nHost: probe\r\n\r\n"
BADGE = "/v/six/badge.svg"
#: The page's size, about.
PAGE_SIZE = 91_000
#: Requests on the one connection, as the issue's.
ONE = 1000
#: The many connections, and the requests each: bounded so that the old daemon, which
#: answers them all into memory, stays within a shared machine (about 300 MB, 30 s of work).
MANY, EACH = 100, 30
#: Seconds the other client asks while each attack sits there.
WATCH = 8.0
#: Slow readers: connections, the pages each asks, and how they read.
SLOW, SLOW_PAGES, SLOW_READ, SLOW_EVERY, SLOW_FOR = 200, 3, 4096, 0.05, 8.0


class Peak:
    """
    The daemon's largest RSS, sampled in a thread while in a C{with} block.
    """

    def __init__(self, stack: Stack) -> None:
        self.stack, self.peak, self._done = stack, 0.0, threading.Event()

    def __enter__(self) -> "Peak":
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, self.stack.rss_mb)
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self.stack.rss_mb)


def others(stack: Stack, seconds: float) -> Tuple[List[float], int]:
    """
    A warm badge asked again and again for C{seconds} (the last may end later): the
    latencies answered (ms), and how many were not answered within a minute.
    """
    latencies, failed = [], 0
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        took, status = timed_get(stack.url(BADGE), timeout=60)
        if status == 200:
            latencies.append(took * 1000)
        else:
            failed += 1
    return latencies, failed


def pipelining(stack: Stack, connections: int, count: int) -> List[socket.socket]:
    """
    C{connections} connections that each write C{count} requests at once, opened side by side
    within 10 s (a daemon that is busy leaves them in its listen queue, or refuses them).
    """
    pending = []
    for _ in range(connections):
        connection = socket.socket()
        connection.setblocking(False)
        connection.connect_ex(("127.0.0.1", stack.port))
        pending.append(connection)
    opened = []
    until = time.monotonic() + 10
    while pending and time.monotonic() < until:
        for connection in select.select([], pending, [], 0.5)[1]:
            pending.remove(connection)
            if connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                connection.close()
                continue
            connection.settimeout(10)
            try:
                connection.sendall(PAGE * count)
            except OSError:
                connection.close()
                continue
            opened.append(connection)
    for connection in pending:
        connection.close()
    return opened


def slow_readers(stack: Stack) -> int:
    """
    The burst of slow readers; the pages they read whole.
    """
    readers = pipelining(stack, SLOW, SLOW_PAGES)
    for connection in readers:
        connection.setblocking(False)
    received = {c: 0 for c in readers}
    until = time.monotonic() + SLOW_FOR
    while time.monotonic() < until:
        ready = select.select(readers, [], [], SLOW_EVERY)[0]
        for connection in ready:
            try:
                received[connection] += len(connection.recv(SLOW_READ))
            except OSError:
                pass
        time.sleep(SLOW_EVERY)
    for connection in readers:
        connection.close()
    return sum(received.values()) // PAGE_SIZE


def settle(stack: Stack) -> None:
    """
    Until the daemon answers a warm badge at once again (an old one goes on answering
    requests of connections long closed), three minutes at most.
    """
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        took, status = timed_get(stack.url(BADGE), timeout=5)
        if status == 200 and took < 0.05:
            return


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    figures: Dict[str, float] = {}
    try:
        stack.get("/?package=six")
        stack.get(BADGE)
        others(stack, 1.0)
        latencies, _ = others(stack, 2.0)
        figures["alone_p50_ms"] = round(percentile(latencies, 0.5), 1)
        figures["alone_p99_ms"] = round(percentile(latencies, 0.99), 1)

        # first, on a daemon that has seen nothing big: the slow readers
        figures["rss_start_mb"] = start = round(stack.rss_mb, 1)
        with Peak(stack) as peak:
            figures["slow_pages_read"] = slow_readers(stack)
            settle(stack)
        time.sleep(3)
        figures["slow_rss_peak_mb"] = round(peak.peak - start, 1)
        figures["slow_rss_after_mb"] = round(stack.rss_mb - start, 1)

        start = stack.rss_mb
        answered = stack.log().count("GET /?package=six")
        with Peak(stack) as peak:
            one = pipelining(stack, 1, ONE)
            latencies, failed = others(stack, WATCH)
        figures["one_p50_ms"] = round(percentile(latencies, 0.5), 1)
        figures["one_p99_ms"] = round(percentile(latencies, 0.99), 1)
        figures["one_unanswered"] = failed
        figures["one_rss_peak_mb"] = round(peak.peak - start, 1)

        with Peak(stack) as peak:
            many = pipelining(stack, MANY, EACH)
            latencies, failed = others(stack, WATCH)
        figures["many_connected"] = len(many)
        figures["many_p50_ms"] = round(percentile(latencies, 0.5), 1)
        figures["many_p99_ms"] = round(percentile(latencies, 0.99), 1)
        figures["many_unanswered"] = failed
        figures["many_rss_peak_mb"] = round(peak.peak - start, 1)
        for connection in one + many:
            connection.close()
        settle(stack)
        figures["pipelined_pages_answered"] = stack.log().count("GET /?package=six") - answered
        time.sleep(3)
        figures["pipelined_rss_after_mb"] = round(stack.rss_mb - start, 1)
        return figures
    finally:
        stack.stop()
