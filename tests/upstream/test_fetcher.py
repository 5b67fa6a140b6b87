"""
The fetcher in memory (treq.testing.StubTreq over real resources, time on a Clock): redirects
followed only on the origin, credentials never sent off it, the cap on requests to an
upstream (L{pypipins.upstream.gate}) as a request meets it, and an index's files fetched only
from its origin and its file hosts; Retry-After read.
"""

import base64
import json
from typing import List, Optional, Tuple

import pytest
import pytest_twisted
from prometheus_client import CollectorRegistry
from treq.testing import StubTreq
from twisted.internet.defer import CancelledError
from twisted.internet.task import Clock
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from pypipins.facts import Unavailable
from pypipins.ops.health import UpstreamHealth
from pypipins.ops.metrics import Metrics
from pypipins.upstream import pypi, pypistats
from pypipins.upstream.fetcher import (
    MAX_REDIRECTS, OFF_REACTOR, Condensing, Fetched, Fetcher, Parse, decode_json, of_body, origin,
    retry_after, whole,
)
from pypipins.upstream.gate import Gate, Throttled
from pypipins.upstream.simple import SimpleIndex
from tests.helpers import fired, utc
from tests.standin import Upstream

pytestmark = pytest.mark.memory

AUTH = "Basic " + base64.b64encode(b"alice:s3cr3t").decode()


class Redirecting(Resource):
    """
    Answers by path, on any host: C{/to/<url-path>} redirects to what follows (absolute or
    not), C{/loop} to itself, C{/doc} is a JSON document; records (host, path, Authorization)
    of every request.
    """

    isLeaf = True

    def __init__(self, code: int = 302) -> None:
        super().__init__()
        self.code = code
        self.asked: List[Tuple[str, str, Optional[str]]] = []
        #: Paths left unanswered, for the tests of the cap.
        self.hanging: List[Request] = []

    def render_GET(self, request: Request) -> object:
        host = request.getRequestHostname().decode()
        path = request.uri.decode()
        self.asked.append((host, path, request.getHeader("authorization")))
        if path.startswith("/to/"):
            request.setResponseCode(self.code)
            request.setHeader("Location", path[len("/to/"):].replace("_", "/"))
            return b"moved"
        if path == "/loop":
            request.setResponseCode(self.code)
            request.setHeader("Location", "/loop")
            return b""
        if path == "/hang":
            self.hanging.append(request)
            return NOT_DONE_YET
        if path.startswith("/doc"):
            request.setHeader("Content-Type", "application/json")
            return json.dumps({"host": host, "path": path}).encode()
        request.setResponseCode(404)
        return b"no"


def fetcher(resource: Resource, **kwargs) -> Tuple[Fetcher, Clock]:
    clock = Clock()
    return Fetcher(StubTreq(resource), clock, **kwargs), clock


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_on_the_origin_is_followed_with_its_credentials(code):
    upstream = Redirecting(code)
    fetch, _ = fetcher(upstream)
    fetched = fired(fetch.fetch("http://pypi.test/to/_doc-moved", whole, headers={"Authorization": AUTH}))
    assert json.loads(fetched.body) == {"host": "pypi.test", "path": "/doc-moved"}
    assert upstream.asked == [("pypi.test", "/to/_doc-moved", AUTH), ("pypi.test", "/doc-moved", AUTH)]
    # where the answer came from, for a page's relative links
    assert fetched.url == "http://pypi.test/doc-moved"


@pytest.mark.parametrize("location, shown", [
    ("http:__evil.test_doc", "http://evil.test:80"),
    ("https:__pypi.test_doc", "https://pypi.test:443"),  # another scheme: another origin
    ("http:__pypi.test:8080_doc", "http://pypi.test:8080"),
    ("__evil.test_doc", "http://evil.test:80"),  # scheme-relative
])
def test_a_redirect_to_another_origin_is_not_followed(location, shown):
    upstream = Redirecting()
    fetch, _ = fetcher(upstream)
    failure = fired(fetch.fetch(f"http://pypi.test/to/{location}", whole, headers={"Authorization": AUTH}))
    assert failure.check(Unavailable)
    assert str(failure.value) == (
        f"http://pypi.test/to/{location} answered 302 to another origin, {shown}: not followed"
    )
    assert [host for host, _, _ in upstream.asked] == ["pypi.test"]


def test_redirects_are_followed_so_far():
    upstream = Redirecting()
    fetch, _ = fetcher(upstream)
    failure = fired(fetch.fetch("http://pypi.test/loop", whole))
    assert str(failure.value) == f"http://pypi.test/loop: more than {MAX_REDIRECTS} redirects"
    assert len(upstream.asked) == MAX_REDIRECTS + 1


@pytest.mark.parametrize("location", ["ftp:__pypi.test_x", "file:___etc_passwd", "http:__:80_x"])
def test_a_redirect_to_anything_but_http_is_not_followed(location):
    upstream = Redirecting()
    fetch, _ = fetcher(upstream)
    failure = fired(fetch.fetch(f"http://pypi.test/to/{location}", whole))
    assert failure.check(Unavailable) and "not http(s)" in str(failure.value)
    assert len(upstream.asked) == 1


def test_a_redirect_to_an_allowed_origin_goes_without_credentials():
    """
    An index's files may be redirected to one of its file hosts: followed there, and the
    index's credentials stay on the index's origin.
    """
    upstream = Redirecting()
    fetch, _ = fetcher(upstream)
    fetched = fired(fetch.fetch("http://index.test/to/http:__files.test_doc", whole,
                                headers={"Authorization": AUTH}, origins=[origin("http://files.test/")]))
    assert json.loads(fetched.body)["host"] == "files.test"
    assert upstream.asked == [("index.test", "/to/http:__files.test_doc", AUTH),
                              ("files.test", "/doc", None)]


def test_pypi_documents_are_not_taken_from_another_origin():
    upstream = Upstream()
    upstream.fail("klein", "redirect")
    clock = Clock()
    health = UpstreamHealth("pypi", clock)
    fetch = Fetcher(StubTreq(upstream), clock, health=health)
    failure = fired(pypi.PyPI(fetch, "http://127.0.0.1/pypi").facts("klein"))
    assert failure.check(Unavailable) and "another origin, http://localhost:80" in str(failure.value)
    failure = fired(pypistats.PyPIStats(fetch, "http://127.0.0.1/stats").downloads("klein"))
    assert failure.check(Unavailable)
    assert upstream.hosts == ["127.0.0.1", "127.0.0.1"]
    # an upstream that sends us elsewhere is failing
    assert health.failures == 2


def test_simple_pages_and_provenance_stay_on_the_index_origin():
    """
    PyPI's Simple API (or an index's, with its credentials): a page, a provenance document
    that answer 302 to another origin are not fetched there; the stand-in serves them on the
    other origin as if all were well, and is never asked there.
    """
    upstream = Upstream()
    clock = Clock()
    index = SimpleIndex(Fetcher(StubTreq(upstream), clock), None, "http://127.0.0.1/simple", AUTH)
    project = fired(index.project("prov-github"))
    path = next(r.provenances[0] for r in project.releases if r.provenances)
    assert fired(index.provenance(path)).publishers
    upstream.fail("prov-github", "redirect")
    assert fired(index.project("prov-github")).check(Unavailable)
    upstream.fail(path.split("/")[-2], "redirect")
    assert fired(index.provenance(path)).check(Unavailable)
    assert upstream.hosts == ["127.0.0.1"] * 4


class _Counting(Resource):
    """
    Answers every request later, when the test says; counts those in flight.
    """

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.pending: List[Request] = []

    def render_GET(self, request: Request) -> object:
        self.pending.append(request)
        return NOT_DONE_YET

    def answer(self, n: int = 1) -> None:
        for _ in range(n):
            request = self.pending.pop(0)
            request.setHeader("Content-Type", "application/json")
            request.write(b'{"ok": 1}')
            request.finish()


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def test_the_cap_holds_requests_in_flight_and_the_rest_wait_their_turn_in_order():
    registry = CollectorRegistry()
    clock = Clock()
    upstream = _Counting()
    stub = StubTreq(upstream)
    gate = Gate(clock, "http://pypi.test:80", concurrency=2, per_second=100,
                metrics=Metrics(registry))
    fetch = Fetcher(stub, clock, 10.0, gate=gate)
    asked = [fetch.fetch(f"http://pypi.test/{n}", whole) for n in range(5)]
    seen = []
    while upstream.pending:
        stub.flush()
        assert len(upstream.pending) <= 2
        seen.append(upstream.pending[0].path)
        upstream.answer()
        stub.flush()
    assert seen == [b"/0", b"/1", b"/2", b"/3", b"/4"]
    assert all(fired(d).body == b'{"ok": 1}' for d in asked)
    assert gate.in_flight == 0 and gate.waiting == 0
    turns = {outcome: value(registry, "pypipins_upstream_turns_total", origin="http://pypi.test:80",
                            outcome=outcome) for outcome in ("at_once", "waited", "refused", "gave_up")}
    assert turns == {"at_once": 2, "waited": 3, "refused": 0, "gave_up": 0}


def test_a_request_whose_time_runs_out_waiting_is_never_sent():
    """
    Two requests of a slower upstream hold the origin's two turns; three of PyPI's wait, and
    their time runs out: never sent, counted apart, and no incident of PyPI, which did
    nothing wrong.
    """
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    clock = Clock()
    upstream = _Counting()
    stub = StubTreq(upstream)
    gate = Gate(clock, "http://pypi.test:80", concurrency=2, per_second=100, metrics=metrics)
    health = UpstreamHealth("pypi", clock)
    slow = Fetcher(stub, clock, 60.0, "pypi-simple", gate=gate)
    quick = Fetcher(stub, clock, 10.0, "pypi", health, metrics, gate=gate)
    held = [slow.fetch(f"http://pypi.test/slow/{n}", whole) for n in range(2)]
    asked = [quick.fetch(f"http://pypi.test/{n}", whole) for n in range(3)]
    stub.flush()
    assert gate.in_flight == 2 and gate.waiting == 3
    clock.advance(10)
    for d in asked:
        failure = fired(d)
        assert failure.check(Throttled)
        assert str(failure.value).endswith(
            "no turn to ask http://pypi.test:80 within 10.0 s (2 requests in flight)")
    stub.flush()
    assert [r.path for r in upstream.pending] == [b"/slow/0", b"/slow/1"]
    assert gate.waiting == 0 and health.failures == 0
    assert value(registry, "pypipins_upstream_turns_total", origin="http://pypi.test:80",
                 outcome="gave_up") == 3
    assert value(registry, "pypipins_upstream_requests_total", upstream="pypi",
                 outcome="throttled") == 3
    assert value(registry, "pypipins_upstream_waiting", origin="http://pypi.test:80") == 0
    assert value(registry, "pypipins_upstream_in_flight", origin="http://pypi.test:80") == 2
    upstream.answer(2)
    stub.flush()
    assert all(fired(d).body == b'{"ok": 1}' for d in held) and gate.in_flight == 0


def test_a_request_that_cannot_get_a_turn_in_time_is_refused_at_once():
    clock = Clock()
    upstream = _Counting()
    stub = StubTreq(upstream)
    gate = Gate(clock, "http://pypi.test:80", concurrency=1, per_second=2)
    fetch = Fetcher(stub, clock, 3.0, gate=gate)
    asked = [fetch.fetch(f"http://pypi.test/{n}", whole) for n in range(9)]
    stub.flush()
    # one in flight, six waiting (two a second for three seconds), two refused
    assert len(upstream.pending) == 1 and gate.waiting == 6
    assert [fired(d).check(Throttled) is not None for d in asked[7:]] == [True, True]
    assert not any(d.called for d in asked[:7])


def test_a_request_given_up_while_waiting_leaves_the_queue():
    clock = Clock()
    upstream = _Counting()
    stub = StubTreq(upstream)
    gate = Gate(clock, "http://pypi.test:80", concurrency=1, per_second=100)
    fetch = Fetcher(stub, clock, 10.0, gate=gate)
    first, second, third = (fetch.fetch(f"http://pypi.test/{n}", whole) for n in range(3))
    second.cancel()  # its client went away
    assert fired(second).check(CancelledError)
    assert gate.waiting == 1
    upstream.answer()
    stub.flush()
    assert fired(first).body == b'{"ok": 1}'
    stub.flush()
    assert [r.path for r in upstream.pending] == [b"/2"]


class _PyPIShaped(Resource):
    """
    A page of project C{demo} on any host, whose files are on PyPI's files host and on
    another; any C{.metadata} file says C{License-Expression: MIT}. Records (host, path).
    """

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.asked: List[Tuple[str, str]] = []

    def render_GET(self, request: Request) -> bytes:
        host = request.getRequestHostname().decode()
        path = request.path.decode()
        self.asked.append((host, path))
        if path == "/simple/demo/":
            request.setHeader("Content-Type", "application/vnd.pypi.simple.v1+json")
            files = [{"filename": name, "url": url, "core-metadata": True, "hashes": {}}
                     for name, url in [
                         ("demo-1.0-py3-none-any.whl", "https://evil.test/demo-1.0-py3-none-any.whl"),
                         ("demo-1.0-cp311-none-any.whl",
                          "https://files.pythonhosted.org/packages/demo-1.0-cp311-none-any.whl")]]
            return json.dumps({"meta": {"api-version": "1.1"}, "name": "demo", "files": files}).encode()
        if path.endswith(".metadata"):
            return b"Metadata-Version: 2.4\nName: demo\nVersion: 1.0\nLicense-Expression: MIT\n"
        request.setResponseCode(404)
        return b""


@pytest.mark.parametrize("base, files, read", [
    # PyPI's files host needs no setting for a pypi.org-shaped index
    ("https://pypi.org/simple", (), "files.pythonhosted.org"),
    ("https://test.pypi.org/simple", (), None),
    ("https://mirror.test/simple", (), None),
    ("https://mirror.test/simple", (("https", "files.pythonhosted.org", 443),), "files.pythonhosted.org"),
])
def test_files_only_from_the_index_origin_and_its_file_hosts(base, files, read):
    upstream = _PyPIShaped()
    index = SimpleIndex(Fetcher(StubTreq(upstream), Clock()), None, base, AUTH, files)
    facts = fired(index.facts("demo"))
    assert facts.version == "1.0"
    assert facts.license_expression == ("MIT" if read else "")
    assert "evil.test" not in {host for host, _ in upstream.asked}
    assert [host for host, path in upstream.asked if path.endswith(".metadata")] == ([read] if read else [])


@pytest.mark.parametrize("header, seconds", [
    (None, None), ("120", 120.0), ("0", 0.0), (" 7 ", 7.0), ("soon", None), ("-5", None),
    ("Mon, 30 Nov 2026 12:01:00 GMT", 60.0), ("Mon, 30 Nov 2026 11:00:00 GMT", 0.0),
])
def test_retry_after(header, seconds):
    assert retry_after(header, utc("2026-11-30 12:00:00")) == seconds


class _Sized(Resource):
    """
    A document of as many bytes as its path says, with a content type.
    """

    isLeaf = True

    def render_GET(self, request: Request) -> bytes:
        request.setHeader("Content-Type", "application/x-test")
        return b"x" * int(request.path.decode().strip("/"))


@pytest_twisted.ensureDeferred
async def test_where_a_body_is_read_is_the_callers_to_say():
    """
    One entry point: a body over OFF_REACTOR bytes is read in the condensing threads, unless
    the caller says it is read on the reactor; a small one on the reactor either way.
    """
    import threading

    from twisted.internet import reactor
    from twisted.python.threadpool import ThreadPool

    pool = ThreadPool(0, 1, "condensing")
    pool.start()
    threads = []

    def read(fetched: Fetched) -> Tuple[str, int]:
        threads.append(threading.current_thread().name)
        return fetched.content_type, len(fetched.body)

    big, small = f"http://pypi.test/{OFF_REACTOR + 1}", f"http://pypi.test/{OFF_REACTOR}"
    try:
        fetch = Fetcher(StubTreq(_Sized()), reactor, condensing=Condensing(reactor, pool))
        assert await fetch.fetch(big, read) == ("application/x-test", OFF_REACTOR + 1)
        await fetch.fetch(big, read, parse=Parse.ON_REACTOR)
        await fetch.fetch(small, read)
    finally:
        pool.stop()
    main = threading.main_thread().name
    assert threads == ["PoolThread-condensing-0", main, main]


def test_a_document_that_cannot_be_read_is_the_upstream_failing():
    clock = Clock()
    health = UpstreamHealth("pypi", clock)
    fetch = Fetcher(StubTreq(_Sized()), clock, health=health)
    failure = fired(fetch.fetch("http://pypi.test/3", of_body(decode_json)))
    assert failure.check(Unavailable)
    assert str(failure.value) == "http://pypi.test/3: not JSON"
    assert health.failures == 1
    assert fired(fetch.fetch("http://pypi.test/3", of_body(bytes.upper))) == b"XXX"
