"""
Several daemons sharing one Redis: the claims that make one upstream request per key across
them, pypistats' budget spent together, and Redis behind Sentinel followed through a
failover. Against a real redis-server (and sentinels), and real C{twistd -n pypipins}
daemons.
"""

import json
import time
from typing import Any, List

import pytest
import pytest_twisted
import treq
from twisted.internet import reactor
from twisted.internet.defer import CancelledError, Deferred, DeferredSemaphore, gatherResults
from twisted.internet.task import Clock, deferLater
from twisted.logger import LogLevel, globalLogPublisher

from pypipins.store.redis import RedisConnection, Sentinels, parse_redis_url
from pypipins.store.fleet import Claim, Claims, Outcome, SharedBudget
from pypipins.store.lookup import Lookup
from pypipins.upstream.budget import IN_FLIGHT_POLL
from tests.helpers import RedisServer, fired, until
from tests.sentinels import RedisGroup
from tests.standin import Upstream

pytestmark = pytest.mark.system


async def connected(url: str) -> RedisConnection:
    redis = RedisConnection.at(reactor, parse_redis_url(url))
    redis.startService()
    await until(lambda: redis.connected)
    return redis


@pytest.fixture
def group(tmp_path):
    redis = RedisGroup(tmp_path)
    yield redis
    redis.stop()


@pytest_twisted.ensureDeferred
async def test_one_claim_at_a_time_and_its_outcome(redis):
    one, other = await connected(redis.url), await connected(redis.url)
    try:
        a, b = Claims(one, reactor, "a"), Claims(other, reactor, "b")
        claim = await a.take("k")
        assert isinstance(claim, Claim)
        assert await b.take("k") is None
        waited = Deferred.fromCoroutine(b.wait("k"))
        await claim.settle(Outcome.DONE)
        assert await waited is Outcome.DONE
        # the outcome stays a moment for those still to look, then the key is free again
        assert await b.take("k") is Outcome.DONE
        redis.command("DEL", "pypipins:claim:k")
        failing = await b.take("k")
        await failing.settle(Outcome.FAILED)
        assert await a.take("k") is Outcome.FAILED
        # a daemon never settles another's claim
        redis.command("DEL", "pypipins:claim:k")
        held = await a.take("k")
        await Claim(b, "k").settle(Outcome.DONE)
        assert redis.command("GET", "pypipins:claim:k").startswith("fetching a")
        await held.settle(Outcome.DONE)
    finally:
        await one.stopService()
        await other.stopService()


@pytest_twisted.ensureDeferred
async def test_a_claim_is_renewed_while_held_and_taken_over_when_its_holder_dies(redis):
    one, other = await connected(redis.url), await connected(redis.url)
    try:
        a, b = Claims(one, reactor, "a", claim_for=0.6), Claims(other, reactor, "b", claim_for=0.6)
        claim = await a.take("k")
        await deferLater(reactor, 1.5, lambda: None)
        assert await b.take("k") is None  # renewed, still a's
        await claim.settle(Outcome.DONE)
        redis.command("DEL", "pypipins:claim:k")
        dead = await a.take("k")
        dead._renewal.cancel()  # as if its daemon died holding it
        started = time.monotonic()
        assert await b.wait("k") is Outcome.GONE
        assert time.monotonic() - started < 3
        assert isinstance(await b.take("k"), Claim)
    finally:
        await one.stopService()
        await other.stopService()


@pytest_twisted.ensureDeferred
async def test_claims_without_redis_leave_each_daemon_on_its_own(redis):
    gone = RedisConnection(reactor, "tcp:host=127.0.0.1:port=1")  # never connected
    assert await Claims(gone, reactor, "a").take("k") is Outcome.UNSHARED


@pytest_twisted.ensureDeferred
async def test_a_shared_budget_holds_for_all_its_spenders(redis):
    spenders = [await connected(redis.url) for _ in range(3)]
    try:
        budgets = [SharedBudget(r, reactor, "test", [(5, 1.0), (8, 60.0)], 0.0, f"d{n}", 3)
                   for n, r in enumerate(spenders)]

        async def spend(n: int) -> float:
            # each request spent is answered at once: it counts from its answer
            wait = await budgets[n % 3].reserve()
            if wait == 0:
                budgets[n % 3].answered()
            return wait

        waits = [await spend(n) for n in range(12)]
        # five at once in the first second, whoever asks; the next wait for it
        assert waits[:5] == [0] * 5 and all(0 < w <= 1.0 for w in waits[5:]), waits
        await deferLater(reactor, max(waits[5:]) + 0.05, lambda: None)
        waits = [await spend(n) for n in range(6)]
        # three more in the minute, then nothing for the rest of it
        assert waits[:3] == [0] * 3 and all(55 < w <= 60 for w in waits[3:]), waits
        budgets[0].hold(120)
        await until(lambda: redis.command("EXISTS", "pypipins:budget:test:held") == "1")
        assert 115 < await budgets[1].reserve() <= 120
    finally:
        for each in spenders:
            await each.stopService()


@pytest_twisted.ensureDeferred
async def test_a_request_in_flight_holds_its_place_in_the_fleet(redis):
    """
    A place is counted from the answer: until a daemon's request is answered, no other
    daemon may spend its place, and then only a window after the answer.
    """
    spenders = [await connected(redis.url) for _ in range(2)]
    try:
        one, other = (SharedBudget(r, reactor, "test", [(1, 1.0)], 0.0, f"d{n}", 2)
                      for n, r in enumerate(spenders))
        assert await one.reserve() == 0
        await deferLater(reactor, 1.2, lambda: None)
        assert await other.reserve() == IN_FLIGHT_POLL  # still in flight after its window
        one.answered()
        waits: List[float] = []

        async def answer_seen() -> bool:
            waits.append(await other.reserve())
            return waits[-1] != IN_FLIGHT_POLL

        await until(answer_seen)
        assert 0.5 < waits[-1] <= 1.0, waits  # a window from the answer
    finally:
        for each in spenders:
            await each.stopService()


@pytest_twisted.ensureDeferred
async def test_without_redis_a_daemon_spends_its_share():
    gone = RedisConnection(reactor, "tcp:host=127.0.0.1:port=1")
    budget = SharedBudget(gone, reactor, "test", [(5, 1.0), (30, 60.0)], 0.0, "d", 2)
    waits = [await budget.reserve() for _ in range(3)]
    assert waits[:2] == [0, 0] and waits[2] > 0


@pytest_twisted.ensureDeferred
async def test_a_redis_that_refuses_scripts_is_logged_once(tmp_path):
    """
    Redis away is the cache's to log; a Redis that answers but refuses the scripts (EVAL
    renamed away here) is logged by the budget and the claims, once each, and each daemon
    then spends its own share and settles no claim.
    """
    server = RedisServer(tmp_path, "--rename-command", "EVAL", "", "--rename-command", "EVALSHA", "")
    server.start()
    events: List[dict] = []
    globalLogPublisher.addObserver(events.append)
    redis = await connected(server.url)
    try:
        budget = SharedBudget(redis, reactor, "test", [(5, 1.0)], 0.0, "d", 2)
        waits = [await budget.reserve() for _ in range(3)]
        assert waits[:2] == [0, 0] and waits[2] > 0  # its share, 5 // 2
        claims = Claims(redis, reactor, "a")
        for n in range(3):
            claim = await claims.take(f"k{n}")
            assert isinstance(claim, Claim)
            await claim.settle(Outcome.DONE)
    finally:
        globalLogPublisher.removeObserver(events.append)
        await redis.stopService()
        server.kill()
    warned = [e["name"] for e in events if e.get("log_level") is LogLevel.warn and "name" in e]
    assert warned == ["test's budget in Redis", "Claims in Redis"]


# The daemons


def start_fleet(start_daemon, upstream, redis_url: str, count: int = 2, *extra: str) -> List[Any]:
    return [start_daemon("--redis", redis_url, "--pypi-url", upstream.pypi_url,
                         "--stats-url", upstream.stats_url, *extra) for _ in range(count)]


async def get(url: str) -> dict:
    response = await treq.get(url, timeout=30)
    body = await response.content()
    assert response.code == 200, (url, response.code, body[:200])
    return json.loads(body)


async def all_at_once(urls: List[str], at_most: int = 50) -> List[dict]:
    semaphore = DeferredSemaphore(at_most)
    return await gatherResults(
        [semaphore.run(lambda u: Deferred.fromCoroutine(get(u)), u) for u in urls]
    )


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_two_daemons_ask_pypi_once_per_package(start_daemon, upstream, redis):
    daemons = start_fleet(start_daemon, upstream, redis.url)
    names = [f"numbered-{n}" for n in range(1, 11)]
    for name in names:
        upstream.resource.fail(name, "slow")  # so that both daemons wait for each at once
    # a hundred requests to the first daemon, and a hundred to the other while the first
    # daemon's fetches are under way
    first = Deferred.fromCoroutine(
        all_at_once([daemons[0].url(f"/v/{names[i % 10]}/badge.json") for i in range(100)], 100)
    )
    await until(lambda: len(upstream.requests) == 10)
    second = Deferred.fromCoroutine(
        all_at_once([daemons[1].url(f"/v/{names[i % 10]}/badge.json") for i in range(100)], 100)
    )
    answers = await first + await second
    assert [a["message"] for a in answers] == [f"{(i % 10) + 1}.0" for i in range(200)]
    asked = [r for r in upstream.requests if r.startswith("/pypi/")]
    assert sorted(asked) == sorted(f"/pypi/{name}/json" for name in names)


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_two_daemons_keep_to_pypistats_limits_together(start_daemon, upstream, redis):
    daemons = start_fleet(start_daemon, upstream, redis.url, 2, "--downloads-wait", "0.5")
    # 20 new packages, ten on each: alone, each daemon would send five in the first second
    paths = [f"/d/numbered-{n}/badge.json?period=day" for n in range(1, 21)]
    await all_at_once([daemons[n % 2].url(p) for n, p in enumerate(paths)])

    async def all_counted() -> bool:
        answers = await all_at_once([daemons[n % 2].url(p) for n, p in enumerate(paths)])
        return [a["message"] for a in answers] == [f"{n}/day" for n in range(1, 21)]

    await until(all_counted, timeout=30, step=0.5)
    assert upstream.resource.refused == []
    stats = [r for r in upstream.requests if r.startswith("/stats/")]
    assert sorted(stats) == sorted(f"/stats/packages/numbered-{n}/recent" for n in range(1, 21))


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_without_redis_each_daemon_keeps_to_its_share(start_daemon, upstream):
    daemons = start_fleet(start_daemon, upstream, "redis://127.0.0.1:1/0", 2,
                          "--downloads-wait", "0.5", "--fleet-size", "2")
    paths = [f"/d/numbered-{n}/badge.json?period=day" for n in range(1, 13)]

    async def all_counted() -> bool:
        answers = await all_at_once([daemons[n % 2].url(p) for n, p in enumerate(paths)])
        return [a["message"] for a in answers] == [f"{n}/day" for n in range(1, 13)]

    await until(all_counted, timeout=30, step=0.5)
    assert upstream.resource.refused == []


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_a_daemon_follows_the_master_through_sentinel(group):
    assert parse_redis_url(group.url).where == Sentinels(
        "pypipins", tuple(("127.0.0.1", s.port) for s in group.sentinels)
    )
    redis = await connected(group.url)
    try:
        await redis.set("before", b"1", 60)
        assert group.master.command("EXISTS", "before") == "1"
        await until(lambda: group.replica.command("EXISTS", "before") == "1")
        group.kill_master()
        await until(group.promoted, timeout=30, step=0.2)

        async def written() -> bool:
            try:
                await redis.set("after", b"2", 60)
            except Exception:
                return False
            return group.replica.command("EXISTS", "after") == "1"

        await until(written, timeout=30, step=0.2)
        assert await redis.get("before") == b"1"
    finally:
        await redis.stopService()


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_two_daemons_serve_through_a_failover(start_daemon, upstream, group):
    """
    A stream of requests across two daemons, over packages cold and warm, while the master
    is killed and the replica promoted: every answer is a 200 with the package's own facts.
    """
    daemons = start_fleet(start_daemon, upstream, group.url)
    answered: List[float] = []
    failures: List[Any] = []
    killed_at: List[float] = []
    promoted_at: List[float] = []
    counter = iter(range(10**6))

    async def one(n: int) -> None:
        name = f"numbered-{n % 400}"
        if n % 2:
            url, expected = daemons[n // 2 % 2].url(f"/v/{name}/badge.json"), f"{n % 400}.0"
        else:
            url, expected = daemons[n // 2 % 2].url(f"/pypi/l/{name}.json"), "MIT"
        try:
            answer = await get(url)
            if answer.get("message") != expected:
                failures.append((url, answer))
        except Exception as e:
            failures.append((url, repr(e)))
        answered.append(time.monotonic())

    async def stream() -> None:
        # at least TOTAL requests, and on for a second after the promotion (or its failure)
        for n in counter:
            if n >= TOTAL and killer.called and time.monotonic() > max(promoted_at or [0]) + 1:
                return
            await one(n)

    async def kill_when_under_way() -> None:
        await until(lambda: len(answered) > TOTAL // 4, timeout=60, step=0.01)
        group.kill_master()
        killed_at.append(time.monotonic())
        await until(group.promoted, timeout=30, step=0.05)
        promoted_at.append(time.monotonic())

    started = time.monotonic()
    killer: Deferred[None] = Deferred.fromCoroutine(kill_when_under_way())
    await gatherResults([Deferred.fromCoroutine(stream()) for _ in range(20)])
    await killer
    assert failures == [], failures[:5]
    # after it, what each daemon fetches is written to the new master, once it has found it
    fresh = iter(range(10_000, 20_000))

    async def written_to_new_master() -> bool:
        names = [f"numbered-{next(fresh)}" for _ in daemons]
        for daemon, name in zip(daemons, names):
            await get(daemon.url(f"/v/{name}/badge.json"))
        await deferLater(reactor, 0.1, lambda: None)
        return all(group.replica.command("EXISTS", f"pypipins:facts:{name}") == "1"
                   for name in names)

    await until(written_to_new_master, timeout=30, step=0.2)
    print(f"failover: {len(answered)} requests, {len(failures)} failed; the replica promoted "
          f"{promoted_at[0] - killed_at[0]:.1f} s after the kill, both daemons writing to it "
          f"{time.monotonic() - killed_at[0]:.1f} s after; stream {answered[-1] - started:.1f} s")

#: Requests at least in the failover's stream.
TOTAL = 3000


@pytest_twisted.ensureDeferred
async def test_a_cancelled_claim_or_reservation_is_no_redis_failure(redis):
    """
    Whoever waited went away and cancelled: no failure of Redis to log, nor a fall back to
    this daemon alone; the cancellation goes on up.
    """
    events: List[dict] = []
    one = await connected(redis.url)
    globalLogPublisher.addObserver(events.append)
    try:
        claims = Claims(one, reactor, "a")
        budget = SharedBudget(one, reactor, "test", [(5, 1.0)], 0.0, "d", 2)
        for _ in range(3):
            for asked in (Deferred.fromCoroutine(claims.take("k")),
                          Deferred.fromCoroutine(claims.wait("k")), budget.reserve()):
                asked.cancel()
                assert fired(asked).check(CancelledError)
        await until(lambda: redis.command("EXISTS", "pypipins:claim:k") == "1")
        assert one.connected
    finally:
        globalLogPublisher.removeObserver(events.append)
        await one.stopService()
    assert [e for e in events if e.get("log_level") is LogLevel.warn] == []


@pytest_twisted.ensureDeferred
async def test_a_waiter_gives_up_on_a_claim_held_too_long(redis):
    """
    A holder alive, renewing its claim, whose fetch never ends: those waiting on it give up
    after a bound (a Clock for both daemons, over a real Redis).
    """
    one, other = await connected(redis.url), await connected(redis.url)
    clock = Clock()
    try:
        a, b = Claims(one, clock, "a"), Claims(other, clock, "b")
        claim = await a.take("k")
        assert isinstance(claim, Claim)
        waited = Deferred.fromCoroutine(b.wait("k"))
        for _ in range(150):  # five minutes of the clock
            clock.advance(2.0)
            await deferLater(reactor, 0.01, lambda: None)  # Redis answers the look
            if waited.called:
                break
        assert waited.called, "still waiting after five minutes of a claim renewed"
        assert waited.result is Outcome.STUCK and 60 <= clock.seconds() < 70
        assert redis.command("GET", "pypipins:claim:k") == "fetching a"  # renewed throughout
        await claim.settle(Outcome.DONE)
    finally:
        await one.stopService()
        await other.stopService()


def daemon_with_its_clock(redis: RedisConnection, upstream: Upstream, clock: Clock, owner: str) -> Lookup:
    """
    One daemon's lookup, on its own clock, over the fleet's Redis and the upstream (in memory).
    """
    from prometheus_client import CollectorRegistry
    from treq.testing import StubTreq

    from pypipins.store.cache import FallbackCache, MemoryCache, RedisCache
    from pypipins.ops.metrics import Metrics
    from pypipins.upstream.fetcher import Fetcher
    from pypipins.upstream.pypi import PyPI
    from pypipins.upstream.pypistats import PyPIStats

    fetcher = Fetcher(StubTreq(upstream), clock)
    cache = FallbackCache(RedisCache(redis), MemoryCache(clock), Metrics(CollectorRegistry()), clock)
    return Lookup(cache, PyPI(fetcher, "http://u/pypi"), PyPIStats(fetcher, "http://u/stats"),
                  clock, 600, claims=Claims(redis, clock, owner))


@pytest_twisted.ensureDeferred
async def test_daemons_with_skewed_clocks_agree_on_freshness(redis):
    """
    Two daemons, one whose clock is an hour ahead: a record one fetched is fresh for the
    other, for its TTL and no longer, by Redis' clock; and one stamped in the future (by a
    daemon on its own clock) is refreshed, not taken as fresh until then.
    """
    one, other = await connected(redis.url), await connected(redis.url)
    try:
        upstream = Upstream()
        right, ahead = Clock(), Clock()
        right.advance(time.time())
        ahead.advance(time.time() + 3600)
        a = daemon_with_its_clock(one, upstream, right, "a")
        b = daemon_with_its_clock(other, upstream, ahead, "b")
        fetched = await a.package("klein")
        assert not fetched.stale and len(upstream.requests) == 1
        # fresh for the other daemon too, and kept ready for as long by its own clock
        answer = await b.package("klein")
        assert not answer.stale and len(upstream.requests) == 1
        assert 590 < answer.fresh_until - ahead.seconds() <= 601
        # the other way round
        fetched = await b.package("attrs")
        answer = await a.package("attrs")
        assert not answer.stale and len(upstream.requests) == 2
        assert 590 < answer.fresh_until - right.seconds() <= 601
        # past its TTL by Redis' clock (the record made older), stale for both
        fetched_at, record = redis.cached("pypipins:facts:attrs")
        redis.keep("pypipins:facts:attrs", fetched_at - 601, record)
        assert (await a.package("attrs")).stale and (await b.package("attrs")).stale
        # stamped a day ahead: refreshed, not fresh for a day
        fetched_at, record = redis.cached("pypipins:facts:klein")
        redis.keep("pypipins:facts:klein", fetched_at + 86400, record)
        assert (await a.package("klein")).stale
        await until(lambda: upstream.requests.count("/pypi/klein/json") == 2)
        await until(lambda: abs(redis.cached("pypipins:facts:klein")[0] - time.time()) < 60)
    finally:
        await one.stopService()
        await other.stopService()
