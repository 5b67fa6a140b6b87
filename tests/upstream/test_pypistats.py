"""
pypistats.org's documents condensed, when its counts are fresh until, and its 429s: the
client in memory through treq.testing.StubTreq, time through a Clock.
"""

import pytest
from treq.testing import StubTreq
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.web.resource import Resource

from pypipins.facts import Queued, Unavailable
from pypipins.upstream import pypistats
from pypipins.upstream.budget import BudgetQueue, RequestBudget
from pypipins.upstream.fetcher import Fetcher, RateLimited
from tests.helpers import fired, utc
from tests.standin import Upstream

pytestmark = pytest.mark.memory


@pytest.mark.parametrize(
    "document",
    [{}, {"data": []}, {"data": {"last_day": 1, "last_week": 2}},
     {"data": {"last_day": "1", "last_week": 2, "last_month": 3}},
     {"data": {"last_day": True, "last_week": 2, "last_month": 3}}],
)
def test_pypistats_refuses_other_shapes(document):
    with pytest.raises(Unavailable):
        pypistats.condense(document)


@pytest.mark.parametrize("fetched, fresh_until", [
    ("2026-11-30 12:00:00", "2026-12-01 01:30:00"),
    ("2026-11-30 01:29:59", "2026-11-30 01:30:00"),
    ("2026-11-30 01:30:00", "2026-12-01 01:30:00"),
    ("2026-12-31 23:59:59", "2027-01-01 01:30:00"),
])
def test_counts_are_fresh_until_pypistats_next_update(fetched, fresh_until):
    assert pypistats.next_update(utc(fetched), (1, 30)) == utc(fresh_until)


def test_an_update_hour_of_ones_own():
    assert pypistats.next_update(utc("2026-11-30 12:00:00"), (23, 5)) == utc("2026-11-30 23:05:00")
    assert pypistats.parse_time_of_day("01:30") == (1, 30)
    assert pypistats.parse_time_of_day("0:05") == (0, 5)
    for wrong in ("1:3", "24:00", "12:60", "noon", "12", "-1:00", "12:00:00"):
        with pytest.raises(ValueError):
            pypistats.parse_time_of_day(wrong)


def test_a_429_is_rate_limited_with_the_time_asked():
    class Limited(Resource):
        isLeaf = True

        def render_GET(self, request):
            request.setResponseCode(429)
            request.setHeader("Retry-After", "17")
            return b"<html>Too Many Requests</html>"

    clock = Clock()
    stats = pypistats.PyPIStats(Fetcher(StubTreq(Limited()), clock), "http://pypi.test/stats")
    failure = fired(stats.downloads("klein"))
    assert failure.check(RateLimited) and failure.value.retry_after == 17


def test_the_client_says_until_when_its_counts_are_fresh():
    stats = pypistats.PyPIStats(Fetcher(StubTreq(Resource()), Clock()), "http://pypi.test/stats",
                                refresh_at=(23, 5))
    assert stats.fresh_until(utc("2026-11-30 12:00:00")) == utc("2026-11-30 23:05:00")


def test_a_client_waits_so_long_for_counts_then_they_are_queued():
    clock = Clock()
    stats = pypistats.PyPIStats(Fetcher(StubTreq(Resource()), clock), "http://pypi.test/stats",
                                wait=2.0)
    slow, quick = Deferred(), Deferred()
    late, in_time = stats.in_time(slow, "klein"), stats.in_time(quick, "attrs")
    clock.advance(1.9)
    quick.callback("counts")
    assert fired(in_time) == "counts" and not late.called
    clock.advance(0.1)
    assert fired(late).check(Queued)
    # what comes after goes on to others (the cache), never to the client gone
    slow.callback("later")
    assert slow.called


def test_a_budget_without_room_is_unavailable_yet_no_failure_of_pypistats():
    clock = Clock()
    queue = BudgetQueue(clock, RequestBudget(clock, [(1, 60.0)]), 1, "pypistats")
    stats = pypistats.PyPIStats(Fetcher(StubTreq(Upstream()), clock), "http://pypi.test/stats", queue)
    fired(stats.downloads("klein"))  # spends the budget
    stats.downloads("attrs")  # waits its turn, and fills the queue
    failure = fired(stats.downloads("treq"))
    assert failure.check(pypistats.NoRoom) and failure.check(Unavailable)
    assert "treq" in str(failure.value)
