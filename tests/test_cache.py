"""
The in-process cache (with a Clock), Redis (a real redis-server), and the fallback between them.
"""

import pytest_twisted
from prometheus_client import CollectorRegistry
from twisted.internet import reactor
from twisted.internet.task import Clock
from twisted.logger import globalLogPublisher

from pypipins.cache import FallbackCache, MemoryCache, RedisCache
from pypipins.metrics import Metrics
from tests.conftest import fired, free_port, until


def test_memory_cache_expires():
    clock = Clock()
    cache = MemoryCache(clock)
    cache.set("a", b"1", ttl=10)
    clock.advance(9.9)
    assert fired(cache.get("a")) == b"1"
    clock.advance(0.1)
    assert fired(cache.get("a")) is None
    assert len(cache) == 0


def test_memory_cache_is_bounded_and_keeps_recent_entries():
    clock = Clock()
    cache = MemoryCache(clock, max_entries=3)
    for key in "abc":
        cache.set(key, key.encode(), ttl=60)
    cache.get("a")  # used: now the most recent
    cache.set("d", b"d", ttl=60)
    assert len(cache) == 3
    assert [fired(cache.get(k)) for k in "abcd"] == [b"a", None, b"c", b"d"]


def endpoint(port):
    return f"tcp:host=127.0.0.1:port={port}"


@pytest_twisted.ensureDeferred
async def test_redis_cache(redis):
    cache = RedisCache(reactor, endpoint(redis.port), dbid=0)
    cache.startService()
    try:
        await until(lambda: cache.connected)
        await cache.set("k", b"\x00\xffbytes 123", ttl=30)
        assert await cache.get("k") == b"\x00\xffbytes 123"
        assert await cache.get("missing") is None
        assert 0 < int(redis.command("TTL", "k")) <= 30
        await cache.set("n", b"12", ttl=30)
        # numbers stay bytes: convertNumbers is off
        assert await cache.get("n") == b"12"
    finally:
        await cache.stopService()


@pytest_twisted.ensureDeferred
async def test_redis_cache_unix_socket_and_db(tmp_path, redis_server):
    import subprocess

    sock = tmp_path / "redis.sock"
    process = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(sock),
                                "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        await until(sock.exists)
        from pypipins.tap import parse_redis_url

        where, db, password = parse_redis_url(f"unix://{sock}?db=3")
        cache = RedisCache(reactor, where, db, password)
        cache.startService()
        await until(lambda: cache.connected)
        await cache.set("k", b"v", ttl=30)
        out = subprocess.run(["redis-cli", "-s", str(sock), "-n", "3", "GET", "k"],
                             capture_output=True, text=True).stdout.strip()
        assert out == "v"
        await cache.stopService()
    finally:
        process.kill()
        process.wait()


@pytest_twisted.ensureDeferred
async def test_fallback_when_redis_is_not_running():
    """
    With no Redis at all, the in-process cache serves, and the loss is logged once.
    """
    events = []
    globalLogPublisher.addObserver(events.append)
    redis = RedisCache(reactor, endpoint(free_port()))
    redis.startService()
    try:
        cache = FallbackCache(redis, MemoryCache(reactor), Metrics(CollectorRegistry()))
        for i in range(5):
            await cache.set(f"k{i}", b"v", ttl=30)
            assert await cache.get(f"k{i}") == b"v"
    finally:
        globalLogPublisher.removeObserver(events.append)
        await redis.stopService()
    warnings = [e for e in events if "Redis unavailable" in e.get("log_format", "")]
    assert len(warnings) == 1


@pytest_twisted.ensureDeferred
async def test_fallback_follows_redis_going_and_coming_back(redis):
    """
    Values are kept in both: Redis gone, or back empty, what was known is still known.
    """
    redis_cache = RedisCache(reactor, endpoint(redis.port))
    redis_cache.startService()
    cache = FallbackCache(redis_cache, MemoryCache(reactor), Metrics(CollectorRegistry()))
    try:
        await until(lambda: redis_cache.connected)
        await cache.set("a", b"1", ttl=30)
        assert redis.command("GET", "a") == "1"
        redis.kill()
        await until(lambda: not redis_cache.connected)
        assert await cache.get("a") == b"1"
        await cache.set("b", b"2", ttl=30)
        assert await cache.get("b") == b"2"
        redis.start()  # empty: it saves nothing
        await until(lambda: redis_cache.connected, timeout=30)
        assert await cache.get("a") == b"1" and await cache.get("b") == b"2"
        # and what Redis lost is given back to it, for the time it had left
        await until(lambda: redis.command("GET", "b") == "2")
        assert 0 < int(redis.command("TTL", "b")) <= 30
        await cache.set("c", b"3", ttl=30)
        assert redis.command("GET", "c") == "3"
        # another instance's value in Redis wins over ours
        redis.command("SET", "c", "4")
        assert await cache.get("c") == b"4"
    finally:
        await redis_cache.stopService()
