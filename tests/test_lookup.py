"""
Where facts come from: cache first, one upstream request per package in flight, stale answers
over errors and while refreshing, all on a Clock.
"""

from treq.testing import StubTreq
from twisted.internet.task import Clock
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from pypipins.budget import RequestBudget
from pypipins.cache import MemoryCache
from pypipins.facts import NotFound, Unavailable
from pypipins.lookup import NOT_FOUND_TTL, RETRY_AFTER, STALE_FOR, Lookup
from pypipins.pypi import PyPI
from pypipins.pypistats import PyPIStats
from pypipins.upstream import Fetcher
from tests.conftest import fired
from tests.standin import Upstream

TTL = 600
DOWNLOADS_TTL = 6 * 3600


def make(resource=None, stats_limits=None):
    upstream = resource or Upstream()
    clock = Clock()
    clock.advance(1_000_000)  # a clock at 0 would make every timestamp look old
    stub = StubTreq(upstream)
    fetcher = Fetcher(stub, clock)
    budget = RequestBudget(clock, stats_limits) if stats_limits else None
    lookup = Lookup(MemoryCache(clock), PyPI(fetcher, "http://u/pypi"),
                    PyPIStats(fetcher, "http://u/stats", budget), clock, TTL, DOWNLOADS_TTL)
    return upstream, clock, lookup, stub


def test_fresh_for_the_ttl_then_stale_while_refreshing():
    upstream, clock, lookup, _ = make()
    answer = fired(lookup.package("klein"))
    assert (answer.value.version, answer.stale) == ("24.8.0", False)
    clock.advance(TTL - 1)
    assert fired(lookup.package("klein")).stale is False
    assert upstream.requests == ["/pypi/klein/json"]
    clock.advance(1)
    # past the TTL: answered at once from the kept copy, refreshed in the background
    assert fired(lookup.package("klein")).stale is True
    assert upstream.requests == ["/pypi/klein/json"] * 2
    assert fired(lookup.package("klein")).stale is False
    assert len(upstream.requests) == 2


def test_stale_over_errors_and_no_hammering():
    upstream, clock, lookup, _ = make()
    fired(lookup.package("klein"))
    upstream.fail("klein", "500")
    clock.advance(TTL)
    for _ in range(20):
        answer = fired(lookup.package("klein"))
        assert (answer.value.version, answer.stale) == ("24.8.0", True)
    # one refresh tried, then none until RETRY_AFTER has passed
    assert upstream.requests == ["/pypi/klein/json"] * 2
    clock.advance(RETRY_AFTER)
    assert fired(lookup.package("klein")).stale is True
    assert len(upstream.requests) == 3
    upstream.recover("klein")
    clock.advance(RETRY_AFTER)
    fired(lookup.package("klein"))
    assert fired(lookup.package("klein")).stale is False


def test_kept_for_a_week_only():
    upstream, clock, lookup, _ = make()
    fired(lookup.package("klein"))
    upstream.fail("klein", "garbage")
    clock.advance(STALE_FOR - 1)
    assert fired(lookup.package("klein")).stale is True
    clock.advance(RETRY_AFTER)
    assert fired(lookup.package("klein")).type is Unavailable


def test_nothing_kept_and_failing_is_unavailable_without_hammering():
    upstream, clock, lookup, _ = make()
    upstream.fail("klein", "429")
    assert fired(lookup.package("klein")).type is Unavailable
    assert fired(lookup.package("klein")).type is Unavailable
    assert upstream.requests == ["/pypi/klein/json"]
    upstream.recover("klein")
    clock.advance(RETRY_AFTER)
    assert fired(lookup.package("klein")).value.version == "24.8.0"


def test_concurrent_requests_share_one_fetch():
    # The upstream holds each request until the test answers it, so that all the waiters
    # arrive while the fetch is in flight.
    pending = []

    class Held(Resource):
        isLeaf = True

        def render_GET(self, request):
            pending.append(request)
            return NOT_DONE_YET

    upstream, clock, lookup, stub = make(Held())
    waiting = [lookup.package("klein") for _ in range(200)]
    assert len(pending) == 1
    request = pending[0]
    request.setHeader("content-type", "application/json")
    request.write(b'{"info": {"version": "1.2"}, "urls": []}')
    request.finish()
    stub.flush()
    assert [fired(d).value.version for d in waiting] == ["1.2"] * 200
    # and a failure reaches every waiter too
    waiting = [lookup.downloads("klein") for _ in range(3)]
    pending[1].setResponseCode(503)
    pending[1].finish()
    stub.flush()
    assert [fired(d).type for d in waiting] == [Unavailable] * 3
    assert len(pending) == 2


def test_not_found_is_remembered_briefly():
    upstream, clock, lookup, _ = make()
    assert fired(lookup.package("nope")).type is NotFound
    clock.advance(NOT_FOUND_TTL - 1)
    assert fired(lookup.package("nope")).type is NotFound
    assert upstream.requests == ["/pypi/nope/json"]
    clock.advance(1)
    assert fired(lookup.package("nope")).type is NotFound
    assert len(upstream.requests) == 2


def test_downloads_are_fresh_for_hours():
    upstream, clock, lookup, _ = make()
    assert fired(lookup.downloads("klein")).value.last_month == 61257
    assert fired(lookup.package("klein")).value.version == "24.8.0"
    clock.advance(DOWNLOADS_TTL - 1)
    assert fired(lookup.downloads("klein")).stale is False
    assert upstream.requests == ["/stats/packages/klein/recent", "/pypi/klein/json"]


def test_pypistats_budget():
    """
    Past 5 a second or 30 a minute, no request: the kept answer, or unavailable.
    """
    upstream, clock, lookup, _ = make(stats_limits=[(5, 1.0), (30, 60.0)])
    names = ["klein", "attrs", "twisted", "treq", "txredisapi", "hyperlink", "eggy"]
    answers = [fired(lookup.downloads(name)) for name in names]
    assert len(upstream.requests) == 5
    assert [getattr(a, "type", None) for a in answers[5:]] == [Unavailable, Unavailable]
    # each second a new name: all asked for until 30 have gone in the minute
    for second in range(1, 40):
        clock.advance(1)
        fired(lookup.downloads(f"pkg{second}"))
    assert len(upstream.requests) == 30
    clock.advance(60)
    assert fired(lookup.downloads("eggy")).value.last_month == 9
    assert len(upstream.requests) == 31
