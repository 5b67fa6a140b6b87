"""
The cold rows: a badge of a package nobody asked for yet, whose PyPI document is as big as the
biggest projects' (tests/big_documents.py), against node fetching and parsing the same document
(bench/fetch_parse.mjs) in the same run, alternating; and warm badges' latency while such
documents are condensed beside them.
"""

import http.client
import statistics
import subprocess
import threading
import time
from itertools import count
from pathlib import Path
from typing import Callable, Dict, List

ROOT = Path(__file__).resolve().parent.parent

#: Alternating rounds of each cold row, after the warm-up ones.
COLD_ROUNDS = 21
WARMUP_ROUNDS = 5

#: Seconds between two measurements: what one leaves to do (a collection, the stand-in's
#: sending) falls outside the next.
SETTLE = 0.2

#: Distinct names for every cold badge of a run, so that none is warm.
_fresh = count(1)


class Node:
    """
    The long-lived node process of bench/fetch_parse.mjs.
    """

    def __init__(self) -> None:
        self._process = subprocess.Popen(["node", str(ROOT / "bench/fetch_parse.mjs")], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True, bufsize=1)

    def fetch_and_parse(self, url: str) -> float:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(url + "\n")
        return float(self._process.stdout.readline())

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=10)


def first_byte_ms(port: int, path: str) -> float:
    """
    Milliseconds until the status line and headers of C{path}'s answer arrived.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.connect()
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    took = (time.perf_counter() - started) * 1000
    body = response.read()
    connection.close()
    if response.status != 200 or not body.startswith(b"<svg"):
        raise RuntimeError(f"{path}: {response.status} {body[:100]!r}")
    return took


def cold_rows(daemon_port: int, upstream_port: int, node: Node) -> Dict[str, Dict]:
    """
    For each shape, the median time to first byte of a cold version badge and the median of
    node's fetch and parse of the same document, and their ratio.
    """
    rows = {}
    for shape in ("huge", "wide"):
        badge: List[float] = []
        reference: List[float] = []
        for n in range(WARMUP_ROUNDS + COLD_ROUNDS):
            time.sleep(SETTLE)
            daemon = first_byte_ms(daemon_port, f"/v/{shape}-{next(_fresh)}/badge.svg")
            time.sleep(SETTLE)
            measured = (daemon, node.fetch_and_parse(f"http://127.0.0.1:{upstream_port}/pypi/{shape}-{next(_fresh)}/json"))
            if n >= WARMUP_ROUNDS:
                badge.append(measured[0])
                reference.append(measured[1])
        rows[shape] = {"badge_ms": round(statistics.median(badge), 1),
                       "node_ms": round(statistics.median(reference), 1),
                       "ratio": round(statistics.median(badge) / statistics.median(reference), 2),
                       "badge_rounds_ms": [round(v, 1) for v in badge],
                       "node_rounds_ms": [round(v, 1) for v in reference]}
    return rows


def with_cold_beside(daemon_port: int, measure: Callable[[], Dict]) -> Dict:
    """
    C{measure}'s result while another client asks cold badges of huge documents one after
    another, and how many it asked.
    """
    stop = threading.Event()
    asked = []

    def cold() -> None:
        while not stop.is_set():
            first_byte_ms(daemon_port, f"/v/huge-{next(_fresh)}/badge.svg")
            asked.append(1)

    thread = threading.Thread(target=cold)
    thread.start()
    try:
        result = measure()
    finally:
        stop.set()
        thread.join()
    result["cold_beside"] = len(asked)
    return result
