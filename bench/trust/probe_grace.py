"""
Item 12: Varnish gave the C{queued} placeholder six hours of grace although the daemon sends
no stale-* directive for it. Through the tree's own VCL, in front of its daemon: the grace
Varnish gave (its shared log's C{TTL VCL} record) a counted downloads badge and a C{queued} one
(pypistats' 429, from the stand-in); then, the daemon stopped and the placeholder past its
30 s, whether Varnish still serves its copy.
"""

import http.client
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, Tuple

from bench.trust.stack import Stack

ITEM = "12"
WHAT = "grace Varnish gives a queued placeholder (no stale-*) and a counted badge; stale served"

#: The deterministic figures need one round; the last takes half a minute.
ROUNDS = 1

#: Seconds past the placeholder's max-age (30) before it is asked again.
PAST_ITS_AGE = 32


def grace_of(stack: Stack, url: str) -> Tuple[float, float]:
    """
    The TTL and grace the VCL gave the object fetched for C{url}.
    """
    out = subprocess.run(
        ["varnishlog", "-d", "-n", str(stack.varnish_dir / "varnish"), "-g", "request",
         "-q", f'BereqURL eq "{url}"', "-i", "TTL"],
        capture_output=True, text=True, timeout=30)
    records = [line.split() for line in out.stdout.splitlines() if "TTL" in line and "VCL" in line]
    if not records:
        return float("nan"), float("nan")
    return float(records[-1][-5]), float(records[-1][-4])


def ask(port: int, path: str) -> Tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work, varnish=True)
    try:
        port = stack.varnish_port
        assert port is not None
        counted, queued = "/d/klein/badge.svg", "/d/attrs/badge.svg"
        ask(port, counted)
        # pypistats' budget spent: attrs' counts wait their turn
        stack.control("fail?name=attrs&how=429")
        _, body = ask(port, queued)
        assert b"queued" in body, body[:300]
        counted_ttl, counted_grace = grace_of(stack, counted)
        queued_ttl, queued_grace = grace_of(stack, queued)
        stack.daemon.send_signal(signal.SIGTERM)
        stack.daemon.wait(timeout=30)
        time.sleep(PAST_ITS_AGE)
        status, body = ask(port, queued)
        return {
            "counted_ttl_s": counted_ttl,
            "counted_grace_s": counted_grace,
            "queued_ttl_s": queued_ttl,
            "queued_grace_s": queued_grace,
            "queued_served_past_its_age_daemon_stopped": int(status == 200 and b"queued" in body),
        }
    finally:
        stack.stop()
