"""
Weakness "no cap on upstream requests": NAMES made-up names asked as fast as CLIENTS clients
can, PyPI (the stand-in) answering each in DELAY seconds as a real one does. What reaches the
upstream: requests made, the most in flight at once, the most begun in any second; and what
the clients got. The daemon runs with its defaults (the old tree has no cap to set).
"""

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

from bench.trust.stack import Stack

ITEM = "cap"
WHAT = "made-up names at a high rate: requests to the upstream, peak in flight, most begun in a second"

NAMES = 3000
CLIENTS = 50
#: Seconds the stand-in takes to answer, as PyPI from afar.
DELAY = 0.1
ROUNDS = 2


def most_in_a_second(times: List[float]) -> int:
    times = sorted(times)
    most, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        stack.control(f"delay?seconds={DELAY}")
        said: Dict[str, int] = {}

        def client(n: int) -> List[str]:
            connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60)
            messages = []
            for i in range(n, NAMES, CLIENTS):
                connection.request("GET", f"/v/made-up-{i}-x/badge.json")
                response = connection.getresponse()
                body = response.read()
                messages.append(json.loads(body)["message"] if response.status == 200 else str(response.status))
            connection.close()
            return messages

        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            for messages in pool.map(client, range(CLIENTS)):
                for message in messages:
                    said[message] = said.get(message, 0) + 1
        seconds = time.monotonic() - started
        asked = stack.control("paths")
        times = asked["times"]
        return {
            "badges": NAMES, "seconds": round(seconds, 1),
            "said_not_found": said.get("package not found", 0),
            "said_unavailable": said.get("unavailable", 0),
            "upstream_requests": asked["requests"],
            "upstream_peak_in_flight": asked["peak_in_flight"],
            "upstream_most_in_a_second": most_in_a_second(times),
            "upstream_per_second": round(len(times) / max(0.001, max(times) - min(times)), 1) if times else 0,
        }
    finally:
        stack.stop()
