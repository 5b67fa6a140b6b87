"""
Where facts come from: cache first, one upstream request per package in flight, stale answers
over errors and while refreshing, all on a Clock.
"""

import datetime

import pytest
from treq.testing import StubTreq
from twisted.internet.defer import fail
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from pypipins.upstream.budget import BudgetQueue, RequestBudget
from pypipins.store.cache import MemoryCache
from pypipins.facts import Downloads, NotFound, Queued, Unavailable, Vulnerabilities, Wheels
from pypipins.ops.health import UpstreamHealth
from pypipins.store.flight import RETRY_AFTER
from pypipins.store.lookup import NOT_FOUND_TTL, STALE_FOR, Answer, Lookup
from pypipins.upstream.pypi import PyPI
from pypipins.upstream.pypistats import DOWNLOADS_WAIT, HOLD_AFTER_429, PyPIStats
from pypipins.upstream.fetcher import Fetcher
from tests.helpers import fired
from tests.standin import STATS_LIMITS, Upstream

pytestmark = pytest.mark.memory

TTL = 600

#: 2026-11-30 12:00 UTC: counts fetched then are fresh until 01:30 the next day.
NOON = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.timezone.utc).timestamp()


def make(resource=None, budget=None, max_queued=10_000):
    clock = Clock()
    clock.advance(NOON)
    upstream = resource or Upstream(clock=clock.seconds)
    stub = StubTreq(upstream)
    fetcher = Fetcher(stub, clock, health=UpstreamHealth("pypistats", clock))
    queue = None
    if budget is not None:
        queue = BudgetQueue(clock, RequestBudget(clock, budget), max_queued, "pypistats")
    lookup = Lookup(MemoryCache(clock), PyPI(fetcher, "http://u/pypi"),
                    PyPIStats(fetcher, "http://u/stats", queue), clock, TTL)
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
    assert fired(lookup.package("klein")).check(Unavailable)
    assert fired(lookup.package("klein")).check(Unavailable)
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


def test_downloads_are_fresh_until_pypistats_next_update():
    upstream, clock, lookup, _ = make()
    answer = fired(lookup.downloads("klein"))
    assert answer.value.last_month == 61257
    assert answer.fresh_until == NOON + 13.5 * 3600
    clock.advance(13.5 * 3600 - 1)
    assert fired(lookup.downloads("klein")).stale is False
    # the PyPI lookup is the one that made sure the package exists before counts were asked
    assert upstream.requests == ["/pypi/klein/json", "/stats/packages/klein/recent"]
    clock.advance(1)
    assert fired(lookup.downloads("klein")).stale is True
    assert upstream.requests[-1] == "/stats/packages/klein/recent"
    # fetched at 01:30: fresh for a day
    assert fired(lookup.downloads("klein")).fresh_until == clock.seconds() + 24 * 3600


def test_no_counts_for_a_package_pypi_knows_is_no_downloads():
    """
    pypistats answers 404 for a package with no downloads in its window: if PyPI knows the
    package, that is 0; if not, it does not exist, and pypistats is not even asked.
    """
    upstream, clock, lookup, _ = make()
    assert fired(lookup.downloads("scripty")).value == Downloads(0, 0, 0)
    assert fired(lookup.downloads("nope")).type is NotFound
    assert upstream.requests == ["/pypi/scripty/json", "/stats/packages/scripty/recent",
                                 "/pypi/nope/json"]


def stats_sent(upstream):
    return [r for r in upstream.requests if r.startswith("/stats/")]


def test_a_burst_of_new_packages_waits_its_turn():
    """
    40 new packages at 5/s and 30/min: those the budget allows within the wait are answered,
    the others are queued (and fetched all the same), and the stand-in, which enforces
    pypistats' limits, never says 429.
    """
    upstream, clock, lookup, _ = make(budget=STATS_LIMITS)
    asked = [lookup.downloads(f"numbered-{n}") for n in range(1, 41)]
    while clock.seconds() < NOON + DOWNLOADS_WAIT:
        clock.advance(0.1)
    results = [fired(d) for d in asked]
    answered = [r for r in results if isinstance(r, Answer)]
    queued = [r for r in results if isinstance(r, Failure) and r.check(Queued)]
    assert 15 <= len(answered) <= 20 and len(answered) + len(queued) == 40
    for _ in range(700):
        clock.advance(0.1)
    answers = [fired(lookup.downloads(f"numbered-{n}")) for n in range(1, 41)]
    assert [a.value.last_day for a in answers] == list(range(1, 41))
    assert len(stats_sent(upstream)) == 40 and upstream.refused == []


def test_stale_counts_are_answered_at_once_and_refreshed_after_new_packages():
    upstream, clock, lookup, _ = make(budget=STATS_LIMITS)
    for n in range(1, 6):
        fired(lookup.downloads(f"numbered-{n}"))
    clock.advance(24 * 3600)
    # stale ones answered at once; their refreshes queue behind new packages' fetches
    stale = [fired(lookup.downloads(f"numbered-{n}")) for n in range(1, 6)]
    assert all(answer.stale for answer in stale)
    new = [lookup.downloads(f"numbered-{n}") for n in range(6, 11)]
    clock.advance(1)
    assert stats_sent(upstream)[5:] == [f"/stats/packages/numbered-{n}/recent" for n in range(1, 11)]
    assert [fired(d).value.last_day for d in new] == list(range(6, 11))


def test_a_429_holds_off_and_is_no_failure_of_pypistats():
    """
    Someone else on the address spent the allowance: nothing is sent for a minute (pypistats
    says no Retry-After), kept counts are served, new ones are queued, then all fetched.
    """
    upstream, clock, lookup, stub = make(budget=[(100, 1.0)])
    fired(lookup.downloads("klein"))
    clock.advance(24 * 3600)
    upstream.stats_limits = [(0, 60.0)]  # everything refused
    assert fired(lookup.downloads("klein")).stale is True
    cold = lookup.downloads("attrs")
    clock.advance(DOWNLOADS_WAIT)
    assert fired(cold).type is Queued
    assert len(upstream.refused) == 1
    upstream.stats_limits = None
    clock.advance(HOLD_AFTER_429 - DOWNLOADS_WAIT - 0.1)
    assert len(stats_sent(upstream)) == 2
    clock.advance(0.1)
    assert fired(lookup.downloads("attrs")).value.last_month > 0
    assert fired(lookup.downloads("klein")).stale is False
    assert len(stats_sent(upstream)) == 4


def test_a_full_queue_drops_refreshes_for_new_packages():
    """
    Two places, one request a minute: refreshes of stale counts give way to new packages'
    fetches; when all places are new packages', the next one is unavailable, not dropped.
    """
    upstream, clock, lookup, _ = make(budget=[(1, 60.0)], max_queued=2)
    for n in (1, 2):
        fired(lookup.downloads(f"numbered-{n}"))
        clock.advance(60)
    clock.advance(24 * 3600)
    fired(lookup.downloads("numbered-1"))  # stale, its refresh sent at once
    fired(lookup.downloads("numbered-2"))  # stale, its refresh queued
    cold = [lookup.downloads(f"numbered-{n}") for n in (3, 4)]  # the refresh gives way
    assert fired(lookup.downloads("numbered-5")).check(Unavailable)
    clock.advance(DOWNLOADS_WAIT)
    assert [fired(d).type for d in cold] == [Queued, Queued]
    for _ in range(3):
        clock.advance(60)
    assert [fired(lookup.downloads(f"numbered-{n}")).value.last_day for n in (3, 4)] == [3, 4]
    assert stats_sent(upstream) == [f"/stats/packages/numbered-{n}/recent" for n in (1, 2, 1, 3, 4)]


def _logged(events, text):
    return [e for e in events if text in (e.get("log_format") or "")]


def test_an_unreadable_record_is_a_miss_logged_once():
    """
    A record that cannot be read (another program's value, a corrupt one) is asked for
    again, never a failure; while the upstream fails, reading it again logs nothing more.
    """
    from twisted.logger import globalLogPublisher

    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        upstream, clock, lookup, _ = make()
        fired(lookup._cache.set("pypipins:facts:klein", b"not a record", STALE_FOR))
        upstream.fail("klein", "500")
        for _ in range(3):
            assert fired(lookup.package("klein")).type is Unavailable
            clock.advance(RETRY_AFTER)
        assert len(_logged(events, "cannot be read")) == 1
        upstream.recover("klein")
        assert fired(lookup.package("klein")).value.version == "24.8.0"
        # read well again, a later unreadable record is a new incident
        fired(lookup._cache.set("pypipins:facts:klein", b"1.0\n{garbage", STALE_FOR))
        assert fired(lookup.package("klein")).value.version == "24.8.0"
        assert len(_logged(events, "cannot be read")) == 2
    finally:
        globalLogPublisher.removeObserver(events.append)


def test_a_record_with_fields_of_a_newer_version_still_reads():
    # a rolling upgrade: a newer daemon writes one more field
    record = b'{"last_day":1,"last_week":2,"last_month":3,"last_year":4}'
    assert Downloads.from_json(record) == Downloads(last_day=1, last_week=2, last_month=3)


def test_a_background_refresh_that_breaks_is_logged():
    """
    A refresh nobody waits for that fails unexpectedly is logged with its traceback; one that
    meets an upstream failing is not (the upstream's health logs that, once per incident).
    """
    from twisted.logger import globalLogPublisher

    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        upstream, clock, lookup, _ = make()
        fired(lookup.package("klein"))
        clock.advance(TTL)
        upstream.fail("klein", "500")
        assert fired(lookup.package("klein")).stale is True
        assert [e for e in events if e.get("log_failure") is not None] == []
        clock.advance(RETRY_AFTER)
        upstream.recover("klein")
        lookup._pypi.facts = lambda name: fail(RuntimeError("a bug"))
        assert fired(lookup.package("klein")).stale is True
        broken = [e for e in events if e.get("log_failure") is not None]
        assert len(broken) == 1
        assert broken[0]["log_failure"].check(RuntimeError)
        assert "pypipins:facts:klein" in broken[0]["log_format"].format(**broken[0]) \
            or broken[0].get("key") == "pypipins:facts:klein"
    finally:
        globalLogPublisher.removeObserver(events.append)


def test_a_record_kept_by_an_earlier_version_is_fetched_again():
    """
    A record written before the wheels and vulnerabilities were read (kept in Redis for a
    week across an upgrade) is not read as a release without wheels: it is fetched again at
    once, as if none were kept, and the record then kept is read as ever.
    """
    clock = Clock()
    clock.advance(NOON)
    upstream = Upstream(clock=clock.seconds)
    fetcher = Fetcher(StubTreq(upstream), clock)
    cache = MemoryCache(clock)
    lookup = Lookup(cache, PyPI(fetcher, "http://u/pypi"), PyPIStats(fetcher, "http://u/stats"), clock, TTL)
    earlier = (b'{"version":"24.8.0","license":"MIT","license_expression":"","classifiers":[],'
               b'"requires_python":"","packagetypes":["bdist_wheel","sdist"],"name":"klein","newest":"24.8.0"}')
    fired(cache.set("pypipins:facts:klein", b"%.3f\n" % clock.seconds() + earlier, STALE_FOR))
    answer = fired(lookup.package("klein"))
    assert (answer.value.wheels, answer.stale) == (Wheels(("any",), (), "pure"), False)
    assert answer.value.vulnerabilities == Vulnerabilities(0, ())
    assert upstream.requests == ["/pypi/klein/json"]
    assert fired(lookup.package("klein")).value == answer.value
    assert upstream.requests == ["/pypi/klein/json"]
    # the record of this version is kept
    kept = fired(cache.get("pypipins:facts:klein"))
    assert b'"wheels":[["any"],[],"pure"]' in kept
