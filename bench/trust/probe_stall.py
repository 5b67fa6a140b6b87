"""
From the reading: a stalled reactor taken for Redis failing. Clients ask for badges not kept
ready (each reads Redis) without pause, while the daemon is stopped (SIGSTOP) for a second
and let go (SIGCONT), a few times, with Redis well; then, after Redis' calm, a few ordinary
requests. Counted: the lines saying Redis is failing and the failed commands an incident's
last line counts (from the daemon's log), the connections the daemon made to Redis (each one
more, a connection dropped), and the requests answered.
"""

import os
import signal
import threading
import time
from pathlib import Path
from typing import Dict, List

from bench.trust.probe_hangups import CALM, connections_made, incident_figures, redis_connected
from bench.trust.stack import Stack, timed_get

ITEM = "stall"
WHAT = "a daemon paused (SIGSTOP 1 s, five times) taken for Redis failing"
ROUNDS = 2

CLIENTS = 16
PAUSES = 5
PAUSED_FOR = 1.0


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    running = [True]
    answered: List[int] = []

    def ask(client: int) -> None:
        n = 0
        while running[0]:
            _, status = timed_get(stack.url(f"/v/bench-{(client + n) % 40}/badge.svg?label=s{client}-{n}"))
            answered.append(status)
            n += 1

    try:
        redis_connected(stack)
        for n in range(40):
            stack.get(f"/v/bench-{n}/badge.svg")
        before = connections_made(stack)
        threads = [threading.Thread(target=ask, args=(c,)) for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for _ in range(PAUSES):
            time.sleep(1.5)
            os.kill(stack.daemon.pid, signal.SIGSTOP)
            time.sleep(PAUSED_FOR)
            os.kill(stack.daemon.pid, signal.SIGCONT)
        time.sleep(1.5)
        running[0] = False
        for thread in threads:
            thread.join()
        time.sleep(CALM)
        ok = sum(stack.get(f"/v/bench-{n}/badge.svg?label=after")[0] == 200 for n in range(5))
        time.sleep(0.5)
        figures: Dict[str, float] = {
            "requests": len(answered),
            "not_200": sum(status != 200 for status in answered),
            "ok_after": ok,
            # less the one redis-cli made to ask
            "redis_connections_made": connections_made(stack) - before - 1,
        }
    finally:
        running[0] = False
        os.kill(stack.daemon.pid, signal.SIGCONT)
        stack.stop()
    figures.update(incident_figures(stack.log()))
    return figures
