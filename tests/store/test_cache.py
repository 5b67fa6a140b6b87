"""
The in-process cache (with a Clock), Redis (a real redis-server), and the fallback between them.
"""

import time
from typing import Any

import pytest
import pytest_twisted
from prometheus_client import CollectorRegistry
from twisted.internet import reactor
from twisted.internet.defer import CancelledError, Deferred, gatherResults, succeed
from twisted.internet.task import Clock
from twisted.logger import globalLogPublisher

from pypipins.store.cache import ABSENT, ENTRY_OVERHEAD, FallbackCache, MemoryCache, RedisCache
from pypipins.store.redis import RedisConnection
from pypipins.ops.metrics import Metrics
from tests.helpers import fired, free_port, until
from tests.store.test_redis import clients, endpoint, sleep

pytestmark = pytest.mark.system


def test_memory_cache_expires():
    clock = Clock()
    cache = MemoryCache(clock)
    cache.set("a", b"1", ttl=10)
    clock.advance(9.9)
    assert fired(cache.get("a")) == b"1"
    clock.advance(0.1)
    assert fired(cache.get("a")) is None
    assert len(cache) == 0


def test_memory_cache_is_bounded_by_bytes_and_keeps_recent_entries():
    clock = Clock()
    # each entry: a one-letter key, 100 bytes and the overhead
    cache = MemoryCache(clock, max_bytes=3 * (1 + 100 + ENTRY_OVERHEAD))
    for key in "abc":
        cache.set(key, key.encode() * 100, ttl=60)
    cache.get("a")  # used: now the most recent
    cache.set("d", b"d" * 100, ttl=60)
    assert len(cache) == 3 and cache.bytes == cache.max_bytes
    assert [fired(cache.get(k)) is not None for k in "abcd"] == [True, False, True, True]
    # one big entry pushes out as many small ones as it needs
    cache.set("e", b"e" * 250, ttl=60)
    assert [fired(cache.get(k)) is not None for k in "acde"] == [False, False, True, True]
    assert cache.bytes <= cache.max_bytes
    # what could never fit is not kept, and costs nothing
    cache.set("f", b"f" * cache.max_bytes, ttl=60)
    assert fired(cache.get("f")) is None and fired(cache.get("e")) is not None
    # replaced and expired entries give their bytes back
    cache.set("e", b"e", ttl=1)
    clock.advance(2)
    assert fired(cache.get("e")) is None
    assert cache.bytes == 1 + 100 + ENTRY_OVERHEAD


def test_memory_cache_counts_what_its_sizer_says():
    cache = MemoryCache(Clock(), max_bytes=1000, size=lambda key, value: value)
    for n in (400, 400, 400):
        cache.set(n * len(cache), n, ttl=60)
    assert (len(cache), cache.bytes) == (2, 800)


@pytest_twisted.ensureDeferred
async def test_redis_cache(redis):
    connection = RedisConnection(reactor, endpoint(redis.port), dbid=0)
    cache = RedisCache(connection)
    connection.startService()
    try:
        await until(lambda: connection.connected)
        await cache.set("k", b"\x00\xffbytes 123", ttl=30)
        assert await cache.get("k") == b"\x00\xffbytes 123"
        assert await cache.get("missing") is None
        assert 0 < int(redis.command("TTL", "k")) <= 30
        await cache.set("n", b"12", ttl=30)
        # numbers stay bytes: convertNumbers is off
        assert await cache.get("n") == b"12"
    finally:
        await connection.stopService()


@pytest_twisted.ensureDeferred
async def test_fallback_when_redis_is_not_running():
    """
    With no Redis at all, the in-process cache serves, and the loss is logged once.
    """
    events = []
    globalLogPublisher.addObserver(events.append)
    connection = RedisConnection(reactor, endpoint(free_port()))
    redis = RedisCache(connection)
    connection.startService()
    try:
        cache = FallbackCache(redis, MemoryCache(reactor), Metrics(CollectorRegistry()), reactor)
        for i in range(5):
            await cache.set(f"k{i}", b"v", ttl=30)
            assert await cache.get(f"k{i}") == b"v"
    finally:
        globalLogPublisher.removeObserver(events.append)
        await connection.stopService()
    assert [e["log_level"].name for e in events if e.get("name") == "Redis"] == ["warn"]


@pytest_twisted.ensureDeferred
async def test_fallback_follows_redis_going_and_coming_back(redis):
    """
    Values are kept in both: Redis gone, or back empty, what was known is still known.
    """
    connection = RedisConnection(reactor, endpoint(redis.port))
    redis_cache = RedisCache(connection)
    connection.startService()
    cache = FallbackCache(redis_cache, MemoryCache(reactor), Metrics(CollectorRegistry()), reactor)
    try:
        await until(lambda: connection.connected)
        await cache.set("a", b"1", ttl=30)
        assert redis.command("GET", "a") == "key=a\n1"
        redis.kill()
        await until(lambda: not connection.connected)
        assert await cache.get("a") == b"1"
        await cache.set("b", b"2", ttl=30)
        assert await cache.get("b") == b"2"
        redis.start()  # empty: it saves nothing
        await until(lambda: connection.connected, timeout=30)
        assert await cache.get("a") == b"1" and await cache.get("b") == b"2"
        # and what Redis lost is given back to it, for the time it had left
        await until(lambda: redis.command("GET", "b") == "key=b\n2")
        assert 0 < int(redis.command("TTL", "b")) <= 30
        await cache.set("c", b"3", ttl=30)
        assert redis.command("GET", "c") == "key=c\n3"
        # another instance's value in Redis wins over ours
        redis.command("SET", "c", "key=c\n4")
        assert await cache.get("c") == b"4"
    finally:
        await connection.stopService()


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_a_paused_process_never_reads_one_key_as_another(redis):
    """
    The reactor blocked for longer than a command may take (a busy or swapping machine, or a
    process stopped by a signal), with replies arriving meanwhile: every value read is the
    one stored under its key, or a miss; never another key's.
    """
    connection = RedisConnection(reactor, endpoint(redis.port))
    cache = RedisCache(connection)
    connection.startService()
    keys = [f"pypipins:facts:p{n}" for n in range(300)]
    running, wrong, right = [True], [], [0]

    async def ask(worker):
        n = worker
        while running[0]:
            key = keys[n % len(keys)]
            n += 13
            try:
                value = await cache.get(key)
            except Exception:
                # timed out, or the connection dropped: the cache above falls back
                await sleep(0.001)
                continue
            if value is None:
                continue
            if value == key.encode():
                right[0] += 1
            else:
                wrong.append((key, value))

    try:
        await until(lambda: connection.connected)
        for key in keys:
            await cache.set(key, key.encode(), ttl=300)
        workers = [Deferred.fromCoroutine(ask(w)) for w in range(30)]
        for _ in range(12):
            await sleep(0.15)
            time.sleep(0.7)  # the whole reactor stops, as SIGSTOP stops the daemon
        await sleep(0.25)
        running[0] = False
        await gatherResults(workers)
    finally:
        await connection.stopService()
    assert not wrong, wrong[:5]
    assert right[0] > 200  # reads went on between the pauses


@pytest_twisted.ensureDeferred
async def test_a_record_of_another_key_is_a_miss_and_logged(redis):
    events = []
    connection = RedisConnection(reactor, endpoint(redis.port))
    cache = RedisCache(connection)
    connection.startService()
    globalLogPublisher.addObserver(events.append)
    try:
        await until(lambda: connection.connected)
        await cache.set("pypipins:facts:klein", b"klein's facts", ttl=60)
        stored = redis.command("GET", "pypipins:facts:klein")
        redis.command("SET", "pypipins:facts:treq", stored)
        assert await cache.get("pypipins:facts:treq") is None
        assert await cache.get("pypipins:facts:klein") == b"klein's facts"
        # a record of an earlier version names no key: a quiet miss
        redis.command("SET", "pypipins:facts:attrs", "1795992903.849\n{}")
        assert await cache.get("pypipins:facts:attrs") is None
    finally:
        globalLogPublisher.removeObserver(events.append)
        await connection.stopService()
    logged = [e for e in events if e.get("key", "").startswith("pypipins:facts:")]
    assert [e["key"] for e in logged] == ["pypipins:facts:treq"]
    assert b"pypipins:facts:klein" in logged[0]["other"]


def test_not_found_is_kept_apart_from_facts():
    """
    A flood of made-up names does not push out the facts the service falls back on when
    Redis is away.
    """
    clock = Clock()
    connection = RedisConnection(clock, endpoint(1))
    redis = RedisCache(connection)  # never started: never connected
    cache = FallbackCache(redis, MemoryCache(clock), Metrics(CollectorRegistry()), clock)
    real = [f"pypipins:facts:real-{n}" for n in range(40)]
    for key in real:
        cache.set(key, b"1795992903.849\n" + b"x" * 1500, ttl=7 * 86400)
    for n in range(200_000):
        cache.set(f"pypipins:facts:made-up-{n}", ABSENT, ttl=60)
    assert all(fired(cache.get(key)) is not None for key in real)
    assert fired(cache.get("pypipins:facts:made-up-199999")) == ABSENT
    # a package that appears is no longer absent, in memory as in Redis
    cache.set("pypipins:facts:made-up-199999", b"facts", ttl=60)
    assert fired(cache.get("pypipins:facts:made-up-199999")) == b"facts"


@pytest_twisted.ensureDeferred
async def test_a_full_redis_is_one_incident(redis):
    """
    At maxmemory with noeviction, Redis refuses every write and answers every read: one line
    when that begins, not a pair per request.
    """
    events = []
    connection = RedisConnection(reactor, endpoint(redis.port))
    redis_cache = RedisCache(connection)
    connection.startService()
    cache = FallbackCache(redis_cache, MemoryCache(reactor), Metrics(CollectorRegistry()), reactor)
    globalLogPublisher.addObserver(events.append)
    try:
        await until(lambda: connection.connected)
        await cache.set("there", b"v", ttl=60)
        used = int(redis.command("INFO", "memory").split("used_memory:")[1].split()[0])
        redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction")
        redis.command("CONFIG", "SET", "maxmemory", str(used))
        for n in range(300):
            await cache.set(f"new-{n}", b"v" * 1000, ttl=60)
            assert await cache.get("there") == b"v"
            assert await cache.get(f"new-{n}") == b"v" * 1000  # from memory
    finally:
        redis.command("CONFIG", "SET", "maxmemory", "0")
        globalLogPublisher.removeObserver(events.append)
        await connection.stopService()
    lines = [(e["log_level"].name, e.get("reason", "")) for e in events if e.get("name") == "Redis"]
    assert len(lines) == 1 and lines[0][0] == "warn" and "OOM" in lines[0][1], lines


@pytest_twisted.ensureDeferred
async def test_a_read_cancelled_by_a_client_gone_is_no_redis_failure(redis):
    """
    A client that hangs up cancels its request's chain of Deferreds down to the Redis read:
    Redis did nothing wrong. The read fails as cancelled (nobody waits for a value), and it
    is neither counted, nor logged, nor does it cost the connection.
    """
    events = []
    connection = RedisConnection(reactor, endpoint(redis.port))
    redis_cache = RedisCache(connection)
    connection.startService()
    cache = FallbackCache(redis_cache, MemoryCache(reactor), Metrics(CollectorRegistry()), reactor)
    try:
        await until(lambda: connection.connected)
        await cache.set("k", b"v", ttl=60)
        first = clients(redis)
        globalLogPublisher.addObserver(events.append)
        for _ in range(200):
            d = cache.get("k")
            d.cancel()
            assert fired(d).check(CancelledError)
        # the replies to the cancelled reads come and go to no one: the next read is its own
        assert await cache.get("k") == b"v"
        assert connection.connected and clients(redis) == first
        globalLogPublisher.removeObserver(events.append)
    finally:
        globalLogPublisher.removeObserver(events.append)
        await connection.stopService()
    assert [e for e in events if e.get("name") == "Redis"] == []

class Between(RedisCache):
    """
    A daemon's connection to Redis, and another daemon's write landing between each of its
    reads and what it does with the answer (as it may, on a busy fleet).
    """

    between: Any = None

    def get(self, key):
        return super().get(key).addCallback(
            lambda found: self.between(key).addCallback(lambda _: found)
        )


@pytest_twisted.ensureDeferred
async def test_redis_is_given_back_only_what_it_lacks(redis):
    """
    Two daemons over one Redis that lost a key: A misses it there and holds an older record
    in memory; B stores a fresh one before A gives Redis back its own. B's stays.
    """
    a_connection, b_connection = (RedisConnection(reactor, endpoint(redis.port)) for _ in "ab")
    a_redis, b_redis = Between(a_connection), RedisCache(b_connection)
    a = FallbackCache(a_redis, MemoryCache(reactor), Metrics(CollectorRegistry()), reactor)
    b = FallbackCache(b_redis, MemoryCache(reactor), Metrics(CollectorRegistry()), reactor)
    for each in (a_connection, b_connection):
        each.startService()
    try:
        await until(lambda: a_connection.connected and b_connection.connected)
        await a.set("k", b"older", ttl=60)
        redis.command("DEL", "k")  # lost: Redis restarted, or evicted it
        a_redis.between = lambda key: b.set(key, b"fresher", ttl=60)
        assert await a.get("k") == b"older"  # what A knew, for this once
        a_redis.between = lambda key: succeed(None)
        await sleep(0.2)
        assert await b.get("k") == b"fresher" and await a.get("k") == b"fresher"
        # and Redis is still given back what it lacks, for the time it had left
        await a.set("j", b"known", ttl=60)
        redis.command("DEL", "j")
        assert await a.get("j") == b"known"
        await until(lambda: redis.command("GET", "j") == "key=j\nknown")
        assert 0 < int(redis.command("TTL", "j")) <= 60
    finally:
        for each in (a_connection, b_connection):
            await each.stopService()
