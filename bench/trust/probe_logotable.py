"""
Item 4, the logo table: simple-icons' table (10 MB of JSON, gzipped) was decompressed and
parsed on the reactor's thread at the first badge with a logo. The daemon started and its
badges warm, a client asks for warm badges one after another while another asks for the first
badge with a logo: how long that one takes, and how long the warm badges beside it were held
at most. The daemon's resident size before and after, for what keeping the table costs.
"""

import threading
import time
from pathlib import Path
from typing import Dict, List

from bench.trust.stack import Stack, timed_get

ITEM = "4"
WHAT = "the first badge with a logo, and warm badges asked beside it"

WARM = "/v/klein/badge.svg"
FIRST_LOGO = "/v/klein/badge.svg?logo=python"
#: Seconds warm badges are asked before the first logo, and after it.
AROUND = 0.5


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        for _ in range(200):  # the facts fetched, the response kept ready, the JIT warm
            seconds, status = timed_get(stack.url(WARM))
            assert status == 200, status
        rss_before = stack.rss_mb
        warm: List[float] = []
        stop = threading.Event()

        def ask_warm() -> None:
            while not stop.is_set():
                seconds, _ = timed_get(stack.url(WARM))
                warm.append(seconds)

        beside = threading.Thread(target=ask_warm)
        beside.start()
        time.sleep(AROUND)
        usual = max(warm) if warm else 0.0
        first, status = timed_get(stack.url(FIRST_LOGO))
        assert status == 200, status
        time.sleep(AROUND)
        stop.set()
        beside.join()
        second, _ = timed_get(stack.url("/v/klein/badge.svg?logo=github"))
        return {
            "first_logo_ms": round(first * 1000, 1),
            "next_logo_ms": round(second * 1000, 1),
            "warm_max_ms_before": round(usual * 1000, 1),
            "warm_max_ms_beside": round(max(warm) * 1000, 1),
            "rss_mb_before_logos": round(rss_before, 1),
            "rss_mb_after": round(stack.rss_mb, 1),
        }
    finally:
        stack.stop()
