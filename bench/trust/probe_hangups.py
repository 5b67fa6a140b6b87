"""
Item 10: a client hanging up logged as Redis failing. Clients ask for badges not kept ready
(each its own URL, so each reads Redis) and hang up at once, thousands of them, many at a
time, with Redis well; then, after Redis' calm (10 s), a few ordinary requests, which end
an incident if one began. Counted from the daemon's log: lines saying Redis (or the claims
in it) is failing, and the failed commands an incident's last line counts; from Redis: the
connections the daemon made (each one more, a connection dropped).
"""

import re
import socket
import threading
import time
from pathlib import Path
from typing import Dict, List

from bench.trust.stack import Stack

ITEM = "10"
WHAT = "clients hanging up mid-request counted and logged as Redis failing"
ROUNDS = 2

CLIENTS = 20
HANGUPS_EACH = 250

#: Seconds without a failure before Redis' incident ends (pypipins.store.cache.REDIS_CALM), and a
#: little more.
CALM = 11.0


def hang_up(port: int, paths: List[str]) -> None:
    """
    Ask for each path on a new connection, and close it at once, unread.
    """
    for path in paths:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        except OSError:
            pass


def connections_made(stack: Stack) -> int:
    """
    The connections Redis has taken (redis-cli's, to ask, among them).
    """
    info = stack.redis.command("INFO", "stats")
    return int(re.search(r"total_connections_received:(\d+)", info).group(1))


def redis_connected(stack: Stack, timeout: float = 30) -> None:
    """
    Once the daemon has its Redis connection (its first requests would otherwise find none,
    and begin an incident of their own).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if b'"redis": "connected"' in stack.get("/healthz")[2]:
            return
        time.sleep(0.1)
    raise RuntimeError("the daemon never connected to Redis")


def incident_figures(log: str) -> Dict[str, float]:
    failed = [int(n) for n in re.findall(r"Redis answering again after (\d+) failed commands", log)]
    return {
        "redis_failing_lines": len(re.findall(r"\bRedis failing\b", log)),
        "claims_failing_lines": len(re.findall(r"Claims in Redis failing", log)),
        "cancelled_in_log": log.count("CancelledError"),
        "failed_commands": sum(failed),
    }


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        # Redis connected, and a few packages known
        redis_connected(stack)
        for n in range(20):
            stack.get(f"/v/bench-{n}/badge.svg")
        before = connections_made(stack)
        started = time.monotonic()
        threads = []
        for c in range(CLIENTS):
            # some packages known (a read of Redis), some not (a read, then a claim and a fetch)
            paths = [f"/v/bench-{(c * HANGUPS_EACH + n) % 40}/badge.svg?label=h{c}-{n}"
                     for n in range(HANGUPS_EACH)]
            threads.append(threading.Thread(target=hang_up, args=(stack.port, paths)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
        time.sleep(CALM)
        ok = sum(stack.get(f"/v/bench-{n}/badge.svg?label=after")[0] == 200 for n in range(5))
        time.sleep(0.5)
        figures: Dict[str, float] = {
            "hangups": CLIENTS * HANGUPS_EACH,
            "hangup_seconds": round(seconds, 1),
            "ok_after": ok,
            # less the one redis-cli made to ask
            "redis_connections_made": connections_made(stack) - before - 1,
        }
    finally:
        stack.stop()
    figures.update(incident_figures(stack.log()))
    return figures
