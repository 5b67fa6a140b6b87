"""
Item 3: a slow upstream body is never cut off. PyPI (the stand-in) answers every name with the
headers of a 10 MB document at once and then its body 200 bytes every 0.1 s; the daemon, its
upstream timeout at 2 s, says ``unavailable``. What the daemon goes on reading from the
upstream after that: bytes, and seconds its connections stay open (watched for OBSERVE
seconds), over DRIPS badges of made-up names asked at once.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict

from bench.trust.stack import Stack

ITEM = "3"
WHAT = "bytes read from a dripping upstream and seconds its connections stay open after the badge said unavailable"

#: Badges asked at once, each of a name of its own: as many dripping connections.
DRIPS = 5
#: The daemon's --upstream-timeout.
TIMEOUT = 2.0
#: Seconds the connections are watched after the badges answered.
OBSERVE = 5.0


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work, daemon_args=["--upstream-timeout", str(TIMEOUT)])
    try:
        stack.control("fail?name=*&how=drip")
        with ThreadPoolExecutor(DRIPS) as pool:
            answers = list(pool.map(lambda n: stack.get(f"/v/dripping-{n}/badge.json"), range(DRIPS)))
        answered = time.time()
        unavailable = sum(1 for status, _, body in answers if b'"unavailable"' in body)
        at_answer = {d["began"]: d["sent"] for d in stack.control("drips")["drips"]}
        time.sleep(OBSERVE)
        drips = stack.control("drips")["drips"]
        after = sum(d["sent"] - at_answer.get(d["began"], 0) for d in drips)
        open_for = [
            min(OBSERVE, max(0.0, d["closed"] - answered)) if d["closed"] is not None else OBSERVE
            for d in drips
        ]
        return {
            "badges": len(answers), "badges_unavailable": unavailable,
            "dripping_connections": len(drips),
            "bytes_read_after_badge": after,
            "max_seconds_open_after_badge": round(max(open_for, default=0.0), 2),
            f"still_open_after_{OBSERVE:g}s": sum(1 for d in drips if d["closed"] is None),
        }
    finally:
        stack.stop()
