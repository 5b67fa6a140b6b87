"""
One fetch per key in flight: in a daemon (with a Clock), and in a fleet of two sharing a real
redis-server through their claims.
"""

from typing import Any, Dict, List, Optional

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from pypipins.facts import NotFound, Unavailable
from pypipins.store.fleet import Claims
from pypipins.store.flight import KEPT_MOST, RETRY_AFTER, Flights, remember
from pypipins.store.redis import RedisConnection
from tests.helpers import fired, until

pytestmark = pytest.mark.system


class Upstream:
    """
    Fetches that end when the test says, and the records they stored.
    """

    def __init__(self, stored: Dict[str, str]) -> None:
        self.asked: List[Deferred[str]] = []
        self.stored = stored

    def fetch(self) -> "Deferred[str]":
        d: Deferred[str] = Deferred()
        self.asked.append(d)
        return d

    def answer(self, key: str, value: str) -> None:
        self.stored[key] = value
        self.asked[-1].callback(value)

    def kept(self, key: str) -> "Deferred[Optional[str]]":
        return succeed(self.stored.get(key))


def test_one_fetch_for_all_who_wait():
    flights = Flights(Clock())
    upstream = Upstream({})
    waiting = [flights.shared("k", upstream.fetch, lambda: upstream.kept("k")) for _ in range(3)]
    assert len(upstream.asked) == 1 and flights.in_flight("k")
    upstream.answer("k", "v")
    assert [fired(each) for each in waiting] == ["v"] * 3
    assert not flights.in_flight("k")
    # the next one fetches again
    flights.shared("k", upstream.fetch, lambda: upstream.kept("k"))
    assert len(upstream.asked) == 2


def test_a_failure_reaches_everyone_who_waits():
    flights = Flights(Clock())
    upstream = Upstream({})
    waiting = [flights.shared("k", upstream.fetch, lambda: upstream.kept("k")) for _ in range(2)]
    upstream.asked[0].errback(NotFound("k"))
    assert all(fired(each).check(NotFound) for each in waiting)
    assert not flights.in_flight("k")


def test_a_failed_key_is_not_fetched_again_for_a_while():
    clock = Clock()
    flights = Flights(clock)
    flights.failed("k")
    assert flights.failed_recently("k") and not flights.failed_recently("other")
    clock.advance(RETRY_AFTER - 0.1)
    assert flights.failed_recently("k")
    clock.advance(0.1)
    assert not flights.failed_recently("k")
    flights.failed("k")
    flights.answered("k")
    assert not flights.failed_recently("k")


def test_remembered_keys_are_bounded():
    kept: Dict[str, None] = {}
    for n in range(KEPT_MOST + 5):
        remember(kept, f"k{n}", None)
    assert len(kept) == KEPT_MOST
    assert "k0" not in kept and "k4" not in kept and "k5" in kept and f"k{KEPT_MOST + 4}" in kept


async def connected(redis: Any) -> RedisConnection:
    connection = RedisConnection(reactor, f"tcp:host=127.0.0.1:port={redis.port}")
    connection.startService()
    await until(lambda: connection.connected)
    return connection


@pytest_twisted.ensureDeferred
async def test_two_daemons_fetch_a_key_once(redis):
    """
    Daemon B waits for the fetch daemon A claimed, and reads what A stored; when A's fetch
    fails, B does not fetch either, and remembers the failure.
    """
    one, other = await connected(redis), await connected(redis)
    try:
        stored: Dict[str, str] = {}
        a, b = Upstream(stored), Upstream(stored)
        flights_a = Flights(reactor, Claims(one, reactor, "a"))
        flights_b = Flights(reactor, Claims(other, reactor, "b"))
        from_a = flights_a.shared("k", a.fetch, lambda: a.kept("k"))
        await until(lambda: a.asked)  # A holds the claim, and fetches
        from_b = flights_b.shared("k", b.fetch, lambda: b.kept("k"))
        a.answer("k", "v")
        assert await from_a == "v" and await from_b == "v"
        assert b.asked == []

        from_a = flights_a.shared("j", a.fetch, lambda: a.kept("j"))
        await until(lambda: len(a.asked) == 2)
        from_b = flights_b.shared("j", b.fetch, lambda: b.kept("j"))
        a.asked[-1].errback(Unavailable("PyPI is down"))
        with pytest.raises(Unavailable):
            await from_a
        with pytest.raises(Unavailable, match="another daemon's fetch failed"):
            await from_b
        assert b.asked == [] and flights_b.failed_recently("j")
    finally:
        await one.stopService()
        await other.stopService()
