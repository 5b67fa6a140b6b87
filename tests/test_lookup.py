"""
Where facts come from: cache first, one upstream request per package in flight, TTLs on a Clock.
"""

from treq.testing import StubTreq
from twisted.internet.task import Clock

from pypipins.cache import MemoryCache
from pypipins.facts import NotFound, Unavailable
from pypipins.lookup import NOT_FOUND_TTL, Lookup
from pypipins.pypi import PyPI
from pypipins.pypistats import PyPIStats
from pypipins.upstream import Fetcher
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from tests.standin import Upstream


def make(ttl=600):
    upstream = Upstream()
    clock = Clock()
    stub = StubTreq(upstream)
    fetcher = Fetcher(stub, clock)
    lookup = Lookup(MemoryCache(clock), PyPI(fetcher, "http://u/pypi"), PyPIStats(fetcher, "http://u/stats"), ttl)
    return upstream, clock, lookup


def outcome(d):
    results = []
    d.addBoth(results.append)
    assert results, "not fired"
    return results[0]


def test_cached_for_the_ttl():
    upstream, clock, lookup = make(ttl=600)
    assert outcome(lookup.package("klein")).version == "24.8.0"
    clock.advance(599)
    assert outcome(lookup.package("klein")).version == "24.8.0"
    assert upstream.requests == ["/pypi/klein/json"]
    clock.advance(1)
    outcome(lookup.package("klein"))
    assert upstream.requests == ["/pypi/klein/json"] * 2


def test_concurrent_requests_share_one_fetch():
    clock = Clock()
    # The upstream holds each request until the test answers it, so that all the waiters
    # arrive while the fetch is in flight.
    pending = []

    class Held(Resource):
        isLeaf = True

        def render_GET(self, request):
            pending.append(request)
            return NOT_DONE_YET

    stub = StubTreq(Held())
    fetcher = Fetcher(stub, clock)
    lookup = Lookup(MemoryCache(clock), PyPI(fetcher, "http://u/pypi"), PyPIStats(fetcher, "http://u/stats"), 600)
    waiting = [lookup.package("klein") for _ in range(50)]
    assert len(pending) == 1
    request = pending[0]
    request.setHeader("content-type", "application/json")
    request.write(b'{"info": {"version": "1.2"}, "urls": []}')
    request.finish()
    stub.flush()
    assert [outcome(d).version for d in waiting] == ["1.2"] * 50
    # and a failure reaches every waiter too
    waiting = [lookup.downloads("klein") for _ in range(3)]
    pending[1].setResponseCode(503)
    pending[1].finish()
    stub.flush()
    assert [outcome(d).type for d in waiting] == [Unavailable] * 3
    assert len(pending) == 2


def test_not_found_is_remembered_briefly():
    upstream, clock, lookup = make()
    assert outcome(lookup.package("nope")).type is NotFound
    clock.advance(NOT_FOUND_TTL - 1)
    assert outcome(lookup.package("nope")).type is NotFound
    assert upstream.requests == ["/pypi/nope/json"]
    clock.advance(1)
    assert outcome(lookup.package("nope")).type is NotFound
    assert len(upstream.requests) == 2


def test_failures_are_not_cached():
    upstream, clock, lookup = make()
    upstream.fail("klein", "500")
    assert outcome(lookup.package("klein")).type is Unavailable
    upstream.recover("klein")
    assert outcome(lookup.package("klein")).version == "24.8.0"


def test_downloads_and_facts_are_cached_apart():
    upstream, clock, lookup = make()
    assert outcome(lookup.downloads("klein")).last_month == 61257
    assert outcome(lookup.package("klein")).version == "24.8.0"
    outcome(lookup.downloads("klein"))
    assert upstream.requests == ["/stats/packages/klein/recent", "/pypi/klein/json"]
