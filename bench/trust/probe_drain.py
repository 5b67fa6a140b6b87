"""
Issue 28: a clean stop. Badges in flight (each waiting a second on the upstream, an SVG and a
PNG of each package) when the daemon gets SIGTERM, as `docker stop` sends it: how many are
answered, how many cut, and how long the daemon takes to exit.
"""

import signal
import threading
import time
from pathlib import Path
from typing import Dict, List

from bench.trust.stack import Stack, timed_get

ITEM = "28"
WHAT = "badges in flight at SIGTERM: answered, cut, and seconds until the daemon exits"

#: Packages asked at once (the stand-in serves any numbered-N), an SVG and a PNG each.
PACKAGES = 4

#: Seconds each upstream answer waits: the badges are still in flight when SIGTERM comes.
DELAY = 1.0


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        stack.get("/healthz")
        stack.control(f"delay?seconds={DELAY}")
        paths = [f"/v/numbered-{n}/badge.{ext}" for n in range(1, PACKAGES + 1) for ext in ("svg", "png")]
        statuses: List[int] = []
        threads = [threading.Thread(target=lambda p=p: statuses.append(timed_get(stack.url(p))[1]))
                   for p in paths]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        # one upstream request per package: its SVG and PNG wait on the same one
        while stack.control("requests")["in_flight"] < PACKAGES and time.monotonic() < deadline:
            time.sleep(0.02)
        started = time.monotonic()
        stack.daemon.send_signal(signal.SIGTERM)
        stack.daemon.wait(timeout=60)
        exited = time.monotonic() - started
        for thread in threads:
            thread.join(timeout=60)
        answered = sum(1 for status in statuses if status == 200)
        return {"in_flight": len(paths), "answered": answered, "cut": len(paths) - answered,
                "exit_seconds": round(exited, 2)}
    finally:
        stack.stop()
