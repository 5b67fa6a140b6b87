"""
Request bodies over the limit, through both daemons as users start them: a 413 as soon as the
headers (or a chunked body) say so, nothing read into memory or spooled to a file.
"""

import http.client
import os
import select
import socket
import time
from pathlib import Path
from typing import List, Tuple

import pytest

from pypipins.web.limits import MAX_BODY

pytestmark = pytest.mark.system

#: A badge route of each daemon, and what it needs to start.
ROUTES = {
    "pypipins": b"/license/klein/badge.svg",
    "shields": b"/badge/a-b-red.svg",
}


@pytest.fixture(params=sorted(ROUTES))
def daemon(request, start_daemon, redis, tmp_path):
    """
    A daemon of each plugin whose temporary files would go to a folder of the test's, and
    that folder.
    """
    plugin = request.param
    spool = tmp_path / "spool"
    spool.mkdir()
    args = ["--redis", redis.url, "--pypi-url", "http://127.0.0.1:1/pypi",
            "--stats-url", "http://127.0.0.1:1/stats"] if plugin == "pypipins" else []
    started = start_daemon(*args, plugin=plugin, env={**os.environ, "TMPDIR": str(spool)})
    return started, ROUTES[plugin], spool


def files_in(pid: int, folder: Path) -> List[str]:
    """
    The files in C{folder}, and those process C{pid} has open there: Python's temporary files
    are unlinked at once (or never linked), so only the process's descriptors show them.
    """
    opened = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            opened.append(target)
    return sorted(os.listdir(folder)) + opened


def answer(connection: socket.socket, timeout: float) -> Tuple[bytes, bool]:
    """
    What the server sends within C{timeout} seconds, and whether it then closed its side.
    """
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([connection], [], [], max(0.0, deadline - time.monotonic()))[0]:
            break
        try:
            data = connection.recv(65536)
        except ConnectionResetError:
            return received, True
        if not data:
            return received, True
        received += data
    return received, False


def test_a_body_announced_too_large_is_refused_before_it_is_read(daemon):
    started, route, spool = daemon
    with socket.create_connection(("127.0.0.1", started.port)) as connection:
        before = time.monotonic()
        connection.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\nsome bytes"
                           % (route, 2 ** 30))
        response, closed = answer(connection, 0.5)
        took = time.monotonic() - before
        assert response.startswith(b"HTTP/1.1 413 "), response
        assert took < 0.5
        assert b"\r\nConnection: close\r\n" in response
        assert closed
        assert files_in(started.process.pid, spool) == []


def test_a_client_that_expects_100_continue_is_refused_instead(daemon):
    started, route, spool = daemon
    with socket.create_connection(("127.0.0.1", started.port)) as connection:
        connection.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
                           b"Expect: 100-continue\r\n\r\n" % (route, MAX_BODY + 1))
        response, closed = answer(connection, 2)
        assert response.startswith(b"HTTP/1.1 413 ") and closed
        assert b"100 Continue" not in response


def test_a_chunked_body_is_cut_off_past_the_limit(daemon):
    started, route, spool = daemon
    chunk = b"x" * 8192
    with socket.create_connection(("127.0.0.1", started.port)) as connection:
        connection.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           % route)
        sent = 0
        response = b""
        while sent < 4 * 1024 * 1024:
            try:
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
            if sent > MAX_BODY:
                if select.select([connection], [], [], 0.05)[0]:
                    break
        assert files_in(started.process.pid, spool) == []
        response, closed = answer(connection, 2)
        assert response.startswith(b"HTTP/1.1 413 "), (sent, response)
        # refused once past the limit, not once the body was in
        assert sent < 1024 * 1024
        assert closed


@pytest.mark.parametrize("size", [10, MAX_BODY])
def test_a_body_within_the_limit_gets_the_answer_it_got_before(daemon, size):
    started, route, spool = daemon
    connection = http.client.HTTPConnection("127.0.0.1", started.port, timeout=10)
    connection.request("POST", route.decode(), body=b"x" * size)
    response = connection.getresponse()
    response.read()
    assert response.status == 405 and response.getheader("Allow")
    # and the connection goes on
    connection.request("HEAD", route.decode())
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    connection.close()


def test_get_and_head_are_unchanged(daemon):
    started, route, spool = daemon
    connection = http.client.HTTPConnection("127.0.0.1", started.port, timeout=10)
    for method in ("GET", "HEAD"):
        connection.request(method, route.decode())
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200
        assert response.getheader("Content-Type") == "image/svg+xml;charset=utf-8"
        assert body.startswith(b"<svg") == (method == "GET")
    connection.close()
    assert "Traceback" not in started.stop()


#: Pipelined requests a client sends in one write and never reads the answers of.
PIPELINED = 5000


def test_a_client_that_reads_no_answers_is_answered_no_further(daemon):
    started, route, spool = daemon
    pipelined = socket.socket()
    pipelined.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    pipelined.connect(("127.0.0.1", started.port))
    with pipelined:
        pipelined.sendall(b"".join(b"GET /badge/pipelined-%d-red.svg HTTP/1.1\r\nHost: x\r\n\r\n" % n
                                   for n in range(PIPELINED)))
        # another client is answered meanwhile
        other = http.client.HTTPConnection("127.0.0.1", started.port, timeout=20)
        other.request("GET", route.decode())
        response = other.getresponse()
        response.read()
        assert response.status == 200
        other.close()
        time.sleep(1)
        log = started.stop()
    # what the kernel's buffers take (a megabyte or so), then nothing: before, all of them,
    # into a write buffer nobody read
    answered = log.count("GET /badge/pipelined-")
    assert answered < PIPELINED / 2, answered


#: Requests Twisted refuses itself, and what their lines in the access log say.
REFUSED = [
    (b"GARBAGE\r\n\r\n", '"GARBAGE  " 400 - "-" "-"'),
    (b"GET /a HTTP/1.1\r\nno colon\r\n\r\n", '"GET /a HTTP/1.1" 400 - "-" "-"'),
    (b'GET /"\xff HTTP/1.1\r\n\r\n', '"GET /\\"\\xff HTTP/1.1" 400 - "-" "-"'),
    (b'GET /a"\\ HTTP/1.1\r\nUser-Agent: pro"be\r\nX: a\x00b\r\n\r\n',
     '"GET /a\\"\\\\ HTTP/1.1" 400 - "-" "pro\\"be"'),
]


def test_requests_twisted_refuses_are_in_the_access_log(daemon):
    started, route, spool = daemon
    for sent, _ in REFUSED:
        with socket.create_connection(("127.0.0.1", started.port)) as connection:
            connection.sendall(sent)
            response, closed = answer(connection, 5)
            assert response == b"HTTP/1.1 400 Bad Request\r\n\r\n" and closed
    log = started.stop()
    for _, line in REFUSED:
        assert log.count(line) == 1, (line, log)
