"""
Remembering upstream answers: in Redis (shared, survives restarts) and in a bounded in-process
cache beside it, so that badges are served whether Redis answers or not.
"""

from collections import OrderedDict
from typing import Any, Optional, Tuple

from twisted.application.service import Service
from twisted.internet.defer import Deferred, succeed
from twisted.internet.endpoints import clientFromString
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from pypipins.metrics import Metrics

#: Seconds a Redis command may take before the in-process cache answers instead.
REDIS_TIMEOUT = 0.5

#: Longest wait, in seconds, between two attempts to reach a Redis that is gone; so this
#: long at most after Redis returns, it is used again.
REDIS_RETRY_MAX = 5.0

#: Entries the in-process cache holds; a condensed record is well under 2 KB.
MEMORY_ENTRIES = 10_000


class MemoryCache:
    """
    A least-recently-used map with an expiry time per entry; of bytes as a cache of upstream
    answers, of anything for callers of L{lookup}.
    """

    def __init__(self, clock: IReactorTime, max_entries: int = MEMORY_ENTRIES) -> None:
        self._clock = clock
        self._max_entries = max_entries
        self._entries: "OrderedDict[Any, Tuple[float, Any]]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> "Deferred[Optional[bytes]]":
        found = self.lookup(key)
        return succeed(None if found is None else found[0])

    def lookup(self, key: Any) -> Optional[Tuple[Any, float]]:
        """
        The value at C{key} and the seconds it has left, or L{None}.
        """
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        left = expires - self._clock.seconds()
        if left <= 0:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value, left

    def set(self, key: Any, value: Any, ttl: float) -> "Deferred[None]":
        self._entries[key] = (self._clock.seconds() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return succeed(None)


class RedisCache(Service):
    """
    Bytes in Redis with a TTL, over one txredisapi connection kept open (and re-opened) while
    the service runs.

    @param endpoint: a Twisted client endpoint string (C{tcp:host=...:port=...} or
        C{unix:path=...}).
    """

    def __init__(
        self, reactor: Any, endpoint: str, dbid: int = 0, password: Optional[str] = None
    ) -> None:
        self._reactor = reactor
        self._endpoint = endpoint
        self._dbid = dbid
        self._password = password
        self._factory: Any = None

    @property
    def connected(self) -> bool:
        return self._factory is not None and self._factory.size > 0

    def startService(self) -> None:
        # Imported here: txredisapi installs the default reactor when imported.
        import txredisapi

        super().startService()
        self._factory = txredisapi.RedisFactory(
            self._endpoint,
            self._dbid,
            poolsize=1,
            isLazy=True,
            charset=None,
            password=self._password,
            replyTimeout=REDIS_TIMEOUT,
            convertNumbers=False,
        )
        self._factory.maxDelay = REDIS_RETRY_MAX
        self._factory.startConnecting(clientFromString(self._reactor, self._endpoint))

    def stopService(self) -> "Deferred[Any]":
        super().stopService()
        factory, self._factory = self._factory, None
        return factory.disconnect()

    def get(self, key: str) -> "Deferred[Optional[bytes]]":
        return self._command("get", key)

    def set(self, key: str, value: bytes, ttl: float) -> "Deferred[None]":
        return self._command("set", key, value, expire=max(1, int(ttl)))

    def _command(self, name: str, *args: Any, **kwargs: Any) -> "Deferred[Any]":
        d: Deferred[Any] = getattr(self._factory.handler, name)(*args, **kwargs)
        return d.addTimeout(REDIS_TIMEOUT, self._reactor)


class FallbackCache:
    """
    Redis, with the in-process cache beside it: every value is kept in both, so that a Redis
    that goes away, or comes back empty, costs nothing that was already known. A lost or slow
    Redis is logged once when it goes and once when it comes back, never once per request.
    """

    _log = Logger()

    def __init__(self, redis: RedisCache, memory: MemoryCache, metrics: Metrics) -> None:
        self._redis = redis
        self._memory = memory
        self._metrics = metrics
        self._redis_up: Optional[bool] = None

    def get(self, key: str) -> "Deferred[Optional[bytes]]":
        if not self._use_redis():
            return succeed(self._from_memory(key))
        d = self._redis.get(key)
        d.addCallbacks(
            self._from_redis, self._redis_failed,
            callbackArgs=(key,), errbackArgs=(lambda: self._from_memory(key),),
        )
        return d

    def _from_redis(self, value: Optional[bytes], key: str) -> Optional[bytes]:
        self._state(True)
        if value is not None:
            self._metrics.redis_hit.inc()
            return value
        self._metrics.redis_miss.inc()
        found = self._in_memory(key)
        if found is None:
            return None
        # Redis came back empty (or lost the key): give it back what we know.
        value, left = found
        if self._redis.connected:
            self._redis.set(key, value, left).addErrback(lambda _: None)
        return value

    def _from_memory(self, key: str) -> Optional[bytes]:
        found = self._in_memory(key)
        return None if found is None else found[0]

    def _in_memory(self, key: str) -> Optional[Tuple[bytes, float]]:
        found = self._memory.lookup(key)
        (self._metrics.memory_miss if found is None else self._metrics.memory_hit).inc()
        return found

    def set(self, key: str, value: bytes, ttl: float) -> "Deferred[None]":
        self._memory.set(key, value, ttl)
        if not self._use_redis():
            return succeed(None)
        d = self._redis.set(key, value, ttl)
        d.addCallback(self._redis_answered)
        d.addErrback(self._redis_failed, lambda: None)
        return d

    def _use_redis(self) -> bool:
        connected = self._redis.connected
        if not connected:
            self._state(False, "not connected")
        return connected

    def _redis_answered(self, result: Any) -> Any:
        self._state(True)
        return result

    def _redis_failed(self, failure: Any, instead: Any) -> Any:
        self._state(False, failure.getErrorMessage() or failure.type.__name__)
        return instead()

    def _state(self, up: bool, why: str = "") -> None:
        if up == self._redis_up:
            return
        if up:
            self._log.info("Redis is answering: caching there.")
        else:
            self._log.warn("Redis unavailable ({why}): caching in-process until it returns.", why=why)
        self._redis_up = up
