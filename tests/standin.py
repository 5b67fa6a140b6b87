"""
A stand-in for PyPI and pypistats.org: recorded documents served by Twisted.

C{/pypi/<name>/json} serves C{fixtures/pypi/<name>.json} and C{/stats/packages/<name>/recent}
serves C{fixtures/stats/<name>.json}; anything else is a 404, as upstream.
C{/pypi/<name>/<version>/json} serves a release's document made from the recorded one: its
C{info} with that version, that release's files, and no release list, as PyPI's has none.
C{/simple/<name>/} (PEP 691 JSON) and C{/integrity/<name>/<version>/<file>/provenance}
(PEP 740) serve the synthetic projects of L{tests.simple_pypi}. A test can make a
name misbehave (L{Upstream.fail}) and count what was asked (L{Upstream.requests}).

Names C{bench-<N>} (any N) are served klein's documents, so that benchmarks have as many
packages as they like; C{huge-<N>} and C{wide-<N>} are served documents and Simple pages the
size of the biggest projects' (L{tests.big_documents}). Names C{numbered-<N>} are too, but with
version C{N.0} and N downloads in each period, so that a test can tell each package's answer from every other's.

Two ways to fail test what the daemon does with an answer it should not take: C{drip} answers
200 with the headers of a big document at once and then its body L{DRIP_BYTES} at a time every
L{DRIP_EVERY} seconds (L{Upstream.drips} records each such answer: bytes sent, and whether and
when the connection closed); C{redirect} answers 302 to the same path on another origin, the
stand-in itself as C{localhost} (asked as C{127.0.0.1}; as C{127.0.0.1} if asked as anything
else), which serves the document as if nothing failed: L{Upstream.hosts} says which host each
request was asked of, so that a test counts the requests that reached another origin.

L{Upstream.in_flight} and L{Upstream.peak_in_flight} count requests being answered at once
(those that wait: C{/_control/delay}, C{slow}, C{drip}, C{hang}), and L{Upstream.times} when
each request came, so that a test sees how many were in flight at most and how many came in
any second.

Like pypistats.org, its C{/stats/} answers no more than 5 requests a second and 30 a minute
from one client address (moving windows, as pypistats' Flask-Limiter counts them), and a C{429}
with a small HTML page beyond; L{Upstream.stats_limits} can lift that for a test that needs more.

Run it on its own with C{python -m tests.standin PORT [FIXTURES]}; then
C{/_control/fail?name=N&how=H} (C{name=*} for every name), C{/_control/recover?name=N},
C{/_control/delay?seconds=S} (every answer that late),
C{/_control/stats-limits?per_second=S&per_minute=M} (pypistats' limits, for a benchmark that
compresses days of its budget into minutes) and C{/_control/requests} (how many requests so
far, how many were refused with a 429, how many are in flight and were at most, and how many
were asked of another host than 127.0.0.1; C{/_control/paths} lists them too, with C{hosts} and
C{times}; C{/_control/drips} lists the C{drip} answers) steer it from another process.
"""

import json
import re
import sys
import weakref
from collections import deque
from pathlib import Path
from typing import Any, Callable, Deque, Dict, List, Optional, Sequence, Tuple

from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from tests import big_documents, simple_pypi

FIXTURES = Path(__file__).parent / "fixtures"

_ROUTES = (
    (re.compile(r"^/pypi/([^/]+)/json$"), "pypi"),
    (re.compile(r"^/pypi/([^/]+)/([^/]+)/json$"), "pypi"),
    (re.compile(r"^/stats/packages/([^/]+)/recent$"), "stats"),
    (re.compile(r"^/simple/([^/]+)/$"), "simple"),
    (re.compile(r"^/integrity/([^/]+)/([^/]+)/([^/]+)/provenance$"), "integrity"),
)

_BENCH = re.compile(r"^bench-\d+$")
#: Names served a document of one of L{big_documents.SHAPES} (C{huge-3}, C{wide-17}).
_BIG = re.compile(r"^(huge|wide)-\d+$")
_NUMBERED = re.compile(r"^numbered-(\d+)$")

#: What L{Upstream.fail} can make a name do ("slow" is no failure: the right answer, late).
FAILURES = ("500", "429", "garbage", "wrong-shape", "hang", "slow", "drip", "redirect")

#: Seconds a "slow" answer takes.
SLOW = 0.5

#: A "drip" answer: the Content-Length it says, and its body sent so many bytes at a time,
#: every so many seconds (2 KB/s: the whole would take 80 minutes).
DRIP_LENGTH = 10 * 1024 * 1024
DRIP_BYTES = 200
DRIP_EVERY = 0.1

#: pypistats.org's limits per client address: (requests, seconds).
STATS_LIMITS = ((5, 1.0), (30, 60.0))

#: What pypistats answers past them (Flask-Limiter's page).
TOO_MANY = b"<!doctype html>\n<title>429 Too Many Requests</title>\n<h1>Too Many Requests</h1>\n<p>5 per 1 second</p>\n"


class Upstream(Resource):
    isLeaf = True

    def __init__(self, fixtures: Path = FIXTURES, clock: Optional[Callable[[], float]] = None) -> None:
        super().__init__()
        self._fixtures = fixtures
        #: Every path asked for, in order.
        self.requests: List[str] = []
        self._failures: Dict[str, str] = {}
        #: Seconds every answer waits.
        self.delay = 0.0
        #: Seconds before /stats/ sees a request that opened its connection (a TLS set-up, a
        #: front end's queue): the first requests of a burst may then be counted after later
        #: ones were sent, as a loaded machine makes happen.
        self.stats_late_on_new_connection = 0.0
        self._stats_channels: weakref.WeakSet[object] = weakref.WeakSet()
        #: pypistats' limits, or None for none.
        self.stats_limits: Optional[Sequence[Tuple[int, float]]] = STATS_LIMITS
        #: When each client address was last answered by /stats/, in the longest window.
        self._stats_asked: Dict[str, Deque[float]] = {}
        #: Requests to /stats/ answered 429.
        self.refused: List[str] = []
        #: The host each request of L{requests} was asked of (its Host header, port aside).
        self.hosts: List[str] = []
        #: When each request of L{requests} came, by the clock.
        self.times: List[float] = []
        #: Requests being answered now, and at most so far.
        self.in_flight = 0
        self.peak_in_flight = 0
        #: Each "drip" answer: its path, when it began, bytes sent, when the connection closed.
        self.drips: List[Dict[str, object]] = []
        if clock is None:
            from twisted.internet import reactor

            clock = reactor.seconds
        self._now = clock

    def fail(self, name: str, how: str) -> None:
        """
        Make every request for C{name} (every name, for C{"*"}) fail in the way C{how} (one
        of L{FAILURES}).
        """
        assert how in FAILURES, how
        self._failures[name] = how

    def recover(self, name: str) -> None:
        self._failures.pop(name, None)

    def render_GET(self, request: Request) -> object:
        path = request.path.decode("utf-8", "replace")
        if path.startswith("/_control/"):
            return self._control(request, path[len("/_control/"):])
        self.requests.append(path)
        self.hosts.append(request.getRequestHostname().decode("ascii", "replace"))
        self.times.append(self._now())
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        if path.startswith("/stats/") and self._late(request):
            from twisted.internet import reactor

            reactor.callLater(self.stats_late_on_new_connection, self._route_late, request, path)
            request.notifyFinish().addBoth(self._finished)
            return NOT_DONE_YET
        answer = self._route(request, path)
        if answer is NOT_DONE_YET:
            request.notifyFinish().addBoth(self._finished)
        else:
            self.in_flight -= 1
        return answer

    def _finished(self, _: object) -> None:
        self.in_flight -= 1

    def _late(self, request: Request) -> bool:
        """
        Whether this request is seen late: the first of its connection, when such are.
        """
        new = request.channel not in self._stats_channels
        self._stats_channels.add(request.channel)
        return new and self.stats_late_on_new_connection > 0

    def _route_late(self, request: Request, path: str) -> None:
        answer = self._route(request, path)
        if answer is not NOT_DONE_YET and not request.finished and not request._disconnected:
            request.write(answer)
            request.finish()

    def _route(self, request: Request, path: str) -> object:
        if path.startswith("/stats/") and self._over_the_limit(request):
            self.refused.append(path)
            request.setResponseCode(429)
            request.setHeader("Content-Type", "text/html; charset=utf-8")
            return TOO_MANY
        for pattern, folder in _ROUTES:
            match = pattern.match(path)
            if match is not None:
                return self._answer(request, folder, *match.groups())
        request.setResponseCode(404)
        return b'{"message": "Not Found"}'

    def _over_the_limit(self, request: Request) -> bool:
        """
        Whether this request from its address is over pypistats' limits; counted if not.
        """
        if not self.stats_limits:
            return False
        now = self._now()
        asked = self._stats_asked.setdefault(str(request.getClientAddress().host), deque())
        longest = max(seconds for _, seconds in self.stats_limits)
        while asked and now - asked[0] >= longest:
            asked.popleft()
        if any(sum(1 for t in asked if now - t < seconds) >= count
               for count, seconds in self.stats_limits):
            return True
        asked.append(now)
        return False

    def _control(self, request: Request, what: str) -> bytes:
        args = {k.decode(): v[0].decode() for k, v in request.args.items()}
        if what == "fail":
            self.fail(args["name"], args["how"])
        elif what == "recover":
            self.recover(args["name"])
        elif what == "delay":
            self.delay = float(args["seconds"])
        elif what == "stats-limits":
            self.stats_limits = ((int(args["per_second"]), 1.0), (int(args["per_minute"]), 60.0))
        request.setHeader("Content-Type", "application/json")
        answer: Dict[str, object] = {
            "requests": len(self.requests), "refused": len(self.refused),
            "in_flight": self.in_flight, "peak_in_flight": self.peak_in_flight,
            "elsewhere": sum(1 for host in self.hosts if host != "127.0.0.1"),
        }
        if what == "paths":
            answer.update(paths=self.requests, hosts=self.hosts, times=self.times)
        if what == "drips":
            answer["drips"] = self.drips
        return json.dumps(answer).encode()

    def _answer(
        self, request: Request, folder: str, name: str, version: str = "", filename: str = ""
    ) -> object:
        # a provenance document fails by its file's name, its project's page by the project's
        how = self._failures.get(filename or name, self._failures.get("*"))
        if how == "hang":
            return NOT_DONE_YET
        if how == "drip":
            return self._drip(request)
        if how == "redirect":
            if request.getRequestHostname() == b"127.0.0.1":
                other = f"http://localhost:{request.getHost().port}"
                request.redirect((other + request.uri.decode("ascii")).encode("ascii"))
                return b""
            # the other origin answers as if nothing failed
            how = None
        if how in ("500", "429"):
            request.setResponseCode(int(how))
            return b"<html>upstream trouble</html>"
        if how == "garbage":
            return b"<html>this is not JSON</html>"
        if how == "wrong-shape":
            return b'{"info": "no"}'
        big = _BIG.match(name)
        if big is not None and folder == "pypi" and not version:
            request.setHeader("Content-Type", "application/json")
            return big_documents.document(big.group(1))
        if big is not None and folder == "simple":
            request.setHeader("Content-Type", simple_pypi.JSON)
            return big_documents.simple_page(name)
        found = self._document(folder, name, version, filename)
        if found is None:
            request.setResponseCode(404)
            return self._later(request, b'{"message": "Not Found"}', self.delay)
        body, content_type = found
        request.setHeader("Content-Type", content_type)
        return self._later(request, body, SLOW if how == "slow" else self.delay)

    def _later(self, request: Request, body: bytes, delay: float) -> object:
        """
        C{body} as the answer, C{delay} seconds from now (unless the client has gone).
        """
        if not delay:
            return body
        from twisted.internet import reactor

        gone: List[object] = []
        request.notifyFinish().addBoth(gone.append)

        def answer() -> None:
            if not gone:
                request.write(body)
                request.finish()

        reactor.callLater(delay, answer)
        return NOT_DONE_YET

    def _drip(self, request: Request) -> object:
        """
        A 200 whose headers say L{DRIP_LENGTH} bytes of JSON, sent L{DRIP_BYTES} at a time.
        """
        from twisted.internet import reactor
        from twisted.internet.task import LoopingCall

        record: Dict[str, Any] = {
            "path": request.path.decode("utf-8", "replace"), "began": self._now(), "sent": 0,
            "closed": None,
        }
        self.drips.append(record)
        request.setHeader("Content-Type", "application/json")
        request.setHeader("Content-Length", str(DRIP_LENGTH))

        def drip() -> None:
            request.write(b" " * DRIP_BYTES)
            record["sent"] += DRIP_BYTES

        dripping = LoopingCall(drip)
        dripping.clock = reactor

        def closed(_: object) -> None:
            record["closed"] = self._now()
            if dripping.running:
                dripping.stop()

        request.notifyFinish().addBoth(closed)
        dripping.start(DRIP_EVERY)
        return NOT_DONE_YET

    def _document(
        self, folder: str, name: str, version: str, filename: str
    ) -> "Tuple[bytes, str] | None":
        """
        The body and type of what C{folder}'s route answers for C{name}, or None (a 404).
        """
        if folder == "simple":
            page = simple_pypi.project_page(name)
            return None if page is None else (page, simple_pypi.JSON)
        if folder == "integrity":
            provenance = simple_pypi.provenance_document(name, filename)
            return None if provenance is None else (provenance, simple_pypi.INTEGRITY)
        number = _NUMBERED.match(name)
        stand_in = "klein" if _BENCH.match(name) or number else name
        document = self._fixtures / folder / f"{stand_in}.json"
        if not document.is_file():
            return None
        body: bytes | None = document.read_bytes()
        if number is not None:
            body = _numbered(document.read_bytes(), folder, name, int(number.group(1)))
        if version and body is not None:
            body = _release_document(body, version)
        return None if body is None else (body, "application/json")


def _numbered(body: bytes, folder: str, name: str, n: int) -> bytes:
    document = json.loads(body)
    if folder == "stats":
        document["package"] = name
        document["data"] = {"last_day": n, "last_week": n, "last_month": n}
    else:
        document["info"].update(name=name, version=f"{n}.0")
    return json.dumps(document).encode()


def _release_document(project: bytes, version: str) -> "bytes | None":
    document = json.loads(project)
    files = document.get("releases", {}).get(version)
    if files is None:
        return None
    document["info"]["version"] = version
    document["urls"] = files
    del document["releases"]
    return json.dumps(document).encode()


def main(port: int, fixtures: Path = FIXTURES) -> None:
    from twisted.internet import reactor
    from twisted.web.server import Site

    reactor.listenTCP(port, Site(Upstream(fixtures)), interface="127.0.0.1")  # type: ignore[arg-type]  # Twisted's hints refuse a Site
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]), *[Path(arg) for arg in sys.argv[2:3]])
