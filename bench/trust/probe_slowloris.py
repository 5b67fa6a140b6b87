"""
Item 8: slowloris. The daemon's open files are set to a low limit (prlimit on the running
daemon, soft and hard: a limit its own start cannot raise), then more connections than it
allows each send a request's first lines and a byte every 20 s, never ending their headers.
Figures: whether a normal request is answered at the limit and 15 s later, the attackers'
connections still open and the daemon's descriptors after 25 s, and what the log says (the
daemon's own warning lines, Twisted's EMFILE lines, 408s in the access log).
"""

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, List

from bench.trust.stack import Stack, timed_get

ITEM = "8"
WHAT = ("slowloris past a 256-file limit (a byte every 20 s): a normal request answered at the "
        "limit and 15 s on, attackers' connections open after 25 s, log lines")
ROUNDS = 2

LIMIT = 256
ATTACKERS = 300
HEAD = b"GET /v/six/badge.svg HTTP/1.1\r\nHost: probe\r\n"
DRIP_EVERY = 20.0


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def still_open(connections: List[socket.socket]) -> int:
    """
    How many of C{connections} the daemon has not closed (what it sent before, a 408, read).
    """
    count = 0
    for connection in connections:
        connection.setblocking(False)
        try:
            while connection.recv(4096):
                pass
        except BlockingIOError:
            count += 1
        except OSError:
            pass
    return count


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    figures: Dict[str, float] = {}
    attackers: List[socket.socket] = []
    try:
        pid = stack.daemon.pid
        stack.get("/v/six/badge.svg")
        subprocess.run(["prlimit", f"--pid={pid}", f"--nofile={LIMIT}:{LIMIT}"], check=True)
        started = time.monotonic()
        for _ in range(ATTACKERS):
            try:
                connection = socket.create_connection(("127.0.0.1", stack.port), timeout=2)
                connection.sendall(HEAD)
            except OSError:
                continue
            attackers.append(connection)
        time.sleep(1)
        figures["daemon_fds_at_limit"] = descriptors(pid)
        figures["normal_answered_at_limit"] = int(timed_get(stack.url("/v/six/badge.svg"), timeout=5)[1] == 200)
        time.sleep(max(0.0, started + 15 - time.monotonic()))
        figures["normal_answered_15s_on"] = int(timed_get(stack.url("/v/six/badge.svg"), timeout=5)[1] == 200)
        # the drip: one byte a connection, every 20 s
        time.sleep(max(0.0, started + DRIP_EVERY - time.monotonic()))
        for connection in attackers:
            try:
                connection.send(b"X")
            except OSError:
                pass
        time.sleep(max(0.0, started + 25 - time.monotonic()))
        figures["attackers_open_25s_on"] = still_open(attackers)
        figures["daemon_fds_25s_on"] = descriptors(pid)
    finally:
        for connection in attackers:
            connection.close()
        stack.stop()
    log = stack.log()
    figures["log_warning_lines"] = log.count("#warn] Accepting connections failing")
    figures["log_twisted_emfile_lines"] = log.count("[twisted.internet.tcp.Port#info]")
    figures["log_408_lines"] = log.count('" 408 ')
    return figures
