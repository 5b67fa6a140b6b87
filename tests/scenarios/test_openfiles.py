"""
Open files: both daemons, started by hand from a shell's soft limit of 1024, hold more idle
connections than that and still answer.
"""

import os
import resource
import socket
import time
from typing import Iterator, List

import pytest
import pytest_twisted
import treq

pytestmark = [pytest.mark.system, pytest.mark.slow]

#: More idle connections than a soft limit of 1024 allows (the daemon's own files count too).
IDLE = 1100

#: What each daemon is asked for once they are all open.
BADGES = {"pypipins": "/license/klein/badge.svg", "shields": "/badge/license-MIT-blue.svg"}


def sockets(pid: int) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


@pytest.fixture
def hard_limit() -> Iterator[int]:
    """
    The hard limit the daemons get, with a soft limit of 1024 under it; this process's own
    soft limit raised meanwhile, to hold its ends of the connections.
    """
    own = resource.getrlimit(resource.RLIMIT_NOFILE)
    hard = own[1]
    if hard != resource.RLIM_INFINITY and hard < 2 * IDLE + 100:
        pytest.fail(f"a hard limit of {hard} open files is too low for this test")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    yield hard
    resource.setrlimit(resource.RLIMIT_NOFILE, own)


def open_idle(port: int, pid: int, count: int) -> List[socket.socket]:
    """
    Up to C{count} connections to C{port} that send nothing, opened a few at a time (no more
    than the listen queue holds) for as long as process C{pid} accepts them.
    """
    opened: List[socket.socket] = []
    # less the odd socket that was closing (wait_for_port's, say)
    base = sockets(pid) - 2
    while len(opened) < count:
        for _ in range(min(25, count - len(opened))):
            connection = socket.socket()
            connection.settimeout(5)
            try:
                connection.connect(("127.0.0.1", port))
            except OSError:
                connection.close()
                return opened
            opened.append(connection)
        deadline = time.monotonic() + 5
        while sockets(pid) < base + len(opened) and time.monotonic() < deadline:
            time.sleep(0.02)
        if sockets(pid) < base + len(opened):
            return opened
    return opened


@pytest.mark.parametrize("plugin", sorted(BADGES))
@pytest_twisted.ensureDeferred
async def test_more_idle_connections_than_a_shells_soft_limit(start_daemon, upstream, redis,
                                                              hard_limit, plugin):
    args = ["--redis", redis.url, "--pypi-url", upstream.pypi_url,
            "--stats-url", upstream.stats_url] if plugin == "pypipins" else []
    daemon = start_daemon(
        *args, plugin=plugin,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard_limit)))
    pid = daemon.process.pid
    idle = open_idle(daemon.port, pid, IDLE)
    try:
        held = sockets(pid)
        assert held > IDLE, f"{held} sockets open in the daemon"
        assert len(idle) == IDLE
        response = await treq.get(daemon.url(BADGES[plugin]))
        assert response.code == 200
        assert b"license: MIT" in await response.content()
    finally:
        for connection in idle:
            connection.close()
    log = daemon.stop()
    assert f"Open files: at most {hard_limit} (raised from 1024)" in log


#: The open files the daemons get in the next test: their own, and a few dozen clients.
LOW_LIMIT = 128


@pytest.mark.parametrize("plugin", sorted(BADGES))
def test_clients_turned_away_for_want_of_descriptors_are_one_incident_in_the_log(
        start_daemon, upstream, redis, plugin):
    args = ["--redis", redis.url, "--pypi-url", upstream.pypi_url,
            "--stats-url", upstream.stats_url] if plugin == "pypipins" else []
    daemon = start_daemon(
        *args, plugin=plugin,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (LOW_LIMIT, LOW_LIMIT)))
    idle = open_idle(daemon.port, daemon.process.pid, LOW_LIMIT)
    try:
        assert len(idle) < LOW_LIMIT
        # more, turned away: each closed by the daemon as soon as accepted
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", daemon.port), timeout=5) as turned_away:
                try:
                    assert turned_away.recv(1) == b""
                except ConnectionResetError:
                    pass
    finally:
        for connection in idle:
            connection.close()
    # and once connections close, clients are taken again
    deadline = time.monotonic() + 30
    while "Accepting connections answering again" not in daemon.log.read_text():
        assert time.monotonic() < deadline, daemon.log.read_text()
        time.sleep(0.2)
    with socket.create_connection(("127.0.0.1", daemon.port), timeout=10) as client:
        client.sendall(b"GET /badge/a-b-red.svg HTTP/1.1\r\nHost: x\r\n\r\n")
        received = client.recv(100)
        assert received.startswith(b"HTTP/1.1 200 OK"), daemon.log.read_text()
    log = daemon.stop()
    [failing] = [line for line in log.splitlines() if "Accepting connections failing" in line]
    assert f"(EMFILE: every one of the process's {LOW_LIMIT} open files in use)" in failing
    assert "#warn]" in failing
    assert log.count("Accepting connections answering again after ") == 1
