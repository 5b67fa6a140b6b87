"""
The weakness "requests Twisted rejects (400) leave no access-log line": requests of kinds
Twisted refuses itself (a bad request line, a bad header, a bad length, a line too long...),
each on a connection of its own: how many were answered 400, and how many access lines say so.
"""

from pathlib import Path
from typing import Dict

from bench.trust.stack import Stack, raw_exchange

ITEM = "400 not logged"
WHAT = "requests Twisted refuses with a 400: answered, and lines in the access log"
ROUNDS = 1

KINDS = [
    b"GARBAGE\r\n\r\n",
    b'GET /"\xff HTTP/1.1\r\n\r\n',
    b"GET /a HTTP/1.1\r\nno colon\r\n\r\n",
    b"GET /a HTTP/1.1\r\nX: a\x00b\r\n\r\n",
    b"POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    b"POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /a HTTP/1.1\r\n" + b"X: y\r\n" * 501 + b"\r\n",
    b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",
    b"GET /a HTTP/1.1\r\n" + (b"X: " + b"y" * 1000 + b"\r\n") * 17 + b"\r\n",
]
#: Each kind, so many times.
TIMES = 5


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work, standin=False)
    try:
        answered = 0
        for _ in range(TIMES):
            for sent in KINDS:
                answered += raw_exchange(stack.port, sent, read_for=1.0).startswith(b"HTTP/1.1 400 ")
    finally:
        stack.stop()
    return {"sent": len(KINDS) * TIMES, "answered_400": answered,
            "access_lines_400": stack.log().count('" 400 - "')}
