"""
Item 1: rasters denied to everyone by ~650-byte logos. 30 connections (from 127.0.0.2) ask
again and again for rasters whose logo is an SVG turbulence filter over millions of user units
(resvg: some 17 s each), a comment of its own each time; meanwhile a client of its own (from
127.0.0.3) asks for a new ordinary raster every half second (a static badge, or a package's
with a label of its own): how long they take, and how many are refused. The attack lasts
L{ATTACK_SECONDS}; the rasters asked during it are waited for up to L{TIMEOUT} s.

Then the same beside a greedy client rather than a hostile one (C{greedy_*}): 30 connections
asking for new rasters that are merely costly (TIFFs of the longest texts, some 140 ms each),
which are drawn: the other client's share of the workers. And once more through Varnish, as
documented (C{varnish_greedy_*}), where every request comes to the daemon from 127.0.0.1,
with the client in X-Forwarded-For: the tree's etc/ VCL, and C{--trusted-proxy 127.0.0.1} as
etc/ starts the daemon, for a tree that has the option.
"""

import http.client
import statistics
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import quote

from bench.trust.stack import Stack, percentile
from tests.helpers import free_port
from tests.hostile_logos import attack
from tests.helpers import sample

ITEM = "1"
WHAT = "new ordinary rasters while 30 connections ask for rasters of a hostile logo"
ROUNDS = 2

CONNECTIONS = 30
ATTACK_SECONDS = 25.0
#: Seconds between two ordinary rasters asked, each on a connection of its own.
EVERY = 0.5
#: Seconds an ordinary raster is waited for: past the daemon's own 30 s wait for a worker.
TIMEOUT = 40.0

ATTACKER = "127.0.0.2"
CLIENT = "127.0.0.3"


def _get(port: int, path: str, source: str, connection: "http.client.HTTPConnection | None" = None
         ) -> Tuple[int, "http.client.HTTPConnection | None"]:
    """
    The status of a GET (0: no answer), and the connection to ask on next.
    """
    if connection is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT,
                                                source_address=(source, 0))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, connection
    except (OSError, http.client.HTTPException):
        connection.close()
        return 0, None


def hostile(n: int) -> str:
    return f"/badge/atk-{n}-blue.png?logo={quote(attack(n), safe='')}"


def greedy(n: int) -> str:
    """
    A TIFF of texts at their 255-character cut, in the widest style: the number first, so
    that the cut leaves each its own.
    """
    return f"/badge/{n:07d}{'W' * 248}-{'@' * 255}-blue.tiff?style=for-the-badge"


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    metrics_port = free_port()
    args = ["--metrics-port", f"tcp:{metrics_port}:interface=127.0.0.1"]
    if "trusted-proxy" in (tree / "pypipins/tap.py").read_text():
        args += ["--trusted-proxy", "127.0.0.1"]
    stack = Stack(tree, venv, work, daemon_args=args, varnish=True)
    try:
        # the workers ready and the package's facts fetched
        deadline = time.monotonic() + 60
        while stack.get("/v/klein/badge.png?label=warm")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        figures = _beside(stack, hostile, "ordinary")
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30) as response:
            metrics = response.read().decode()
        figures.update({
            # workers killed at the time limit (or dead) and started again
            "worker_restarts": sample(metrics, "pypipins_raster_worker_restarts_total"),
            "drawings_timed_out": sample(metrics, "pypipins_raster_drawings_total", outcome="timed_out"),
        })
        figures.update(_beside(stack, greedy, "greedy"))
        assert stack.varnish_port is not None
        figures.update(_beside(stack, lambda n: greedy(n + 100_000), "varnish_greedy", stack.varnish_port))
        return figures
    finally:
        stack.stop()


def _beside(stack: Stack, asked_by_many: Callable[[int], str], name: str,
            port: Optional[int] = None) -> Dict[str, float]:
    """
    New ordinary rasters' figures while 30 connections ask for C{asked_by_many(n)}, of the
    daemon or of C{port}.
    """
    port = stack.port if port is None else port
    stop = threading.Event()
    counts = {"attacks": 0, "attacks_503": 0}
    lock = threading.Lock()
    numbers = iter(range(10**9))

    def attacker() -> None:
        connection = None
        while not stop.is_set():
            with lock:
                n = next(numbers)
            path = asked_by_many(n)
            status, connection = _get(port, path, ATTACKER, connection)
            with lock:
                counts["attacks"] += 1
                counts["attacks_503"] += status == 503

    results: List[Tuple[float, int]] = []

    def ordinary(n: int) -> None:
        path = f"/badge/ok-{name}{n}-green.png" if n % 2 else f"/v/klein/badge.png?label={name}-{n}"
        started = time.monotonic()
        status, connection = _get(port, path, CLIENT)
        if connection is not None:
            connection.close()
        with lock:
            results.append((time.monotonic() - started, status))

    attackers = [threading.Thread(target=attacker, daemon=True) for _ in range(CONNECTIONS)]
    for thread in attackers:
        thread.start()
    time.sleep(2.0)  # the attack under way before the first ordinary raster
    asked = []
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < ATTACK_SECONDS - 2.0:
        thread = threading.Thread(target=ordinary, args=(n,), daemon=True)
        thread.start()
        asked.append(thread)
        n += 1
        time.sleep(EVERY)
    for thread in asked:
        thread.join(TIMEOUT + 5)
    stop.set()
    for thread in attackers:
        thread.join(TIMEOUT + 5)
    seconds = [s for s, status in results if status == 200]
    return {
        f"{name}_asked": len(results),
        f"{name}_median_s": round(statistics.median(seconds), 3) if seconds else float("nan"),
        f"{name}_p90_s": round(percentile(seconds, 0.9), 3) if seconds else float("nan"),
        f"{name}_max_s": round(max(s for s, _ in results), 3) if results else float("nan"),
        f"{name}_refused": sum(1 for _, status in results if status != 200),
        f"{name}_attackers_answered": counts["attacks"],
        f"{name}_attackers_503": counts["attacks_503"],
    }
