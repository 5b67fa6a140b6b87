"""
Remembering upstream answers: in Redis (shared, survives restarts) and in a bounded in-process
cache beside it, so that badges are served whether Redis answers or not.
"""

from collections import OrderedDict
from typing import Any, Callable, Optional, Protocol, Tuple

from twisted.internet.defer import CancelledError, Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from pypipins.ops.incidents import Incident
from pypipins.ops.metrics import Metrics
from pypipins.store.redis import RedisConnection

#: Seconds Redis must go without a failure before an incident is over: a Redis at
#: C{maxmemory} refuses every write and answers every read, which is one incident.
REDIS_CALM = 10.0

MiB = 1024 * 1024

#: Bytes of facts and download counts kept in-process beside Redis: a package's record and
#: counts take some 1.4 KB, so some 12,000 packages (the rest are a Redis read away). 32 kept
#: 20,000 packages, and a PyPy daemon past 200 MB resident (bench/soak.py).
FACTS_IN_MEMORY = 16 * MiB

#: Bytes of responses kept ready to send again: an SVG badge is 1-4 KB, a raster 1-30 KB, each
#: with some 1.2 KB of key and objects; so some 15,000 SVG badges. With 64, 40,000 requests
#: over 4,000 packages still filled it at their end (CPython: 110 MB resident, +15 MB over the
#: second half; with 32: 95 MB, +5 MB; bench/memory.py, two runs each); a busy server gives more.
#: 16 (some 7,500 SVG badges, the hot ones of a service behind Varnish) keeps a PyPy daemon of
#: a million requests over 20,000 packages within 200 MB, with the other bounds (bench/soak.py).
READY_IN_MEMORY = 16 * MiB

#: Bytes of images kept in-process, drawn or fetched from a shields server: as the responses.
IMAGES_IN_MEMORY = 16 * MiB

#: Bytes of "no such package" kept in-process, apart from the facts, so that a flood of
#: made-up names cannot push out what the service falls back on when Redis is away.
ABSENT_IN_MEMORY = 4 * MiB

#: Bytes an entry costs beyond its key and value: the ordered dictionary's slot, the tuple,
#: the expiry and the size (some 300 on CPython 3.11, measured with tracemalloc in a daemon
#: keeping 38,000 responses ready).
ENTRY_OVERHEAD = 300

#: What the cache holds for something the upstream says does not exist.
ABSENT = b"404"


def entry_size(key: Any, value: Any) -> int:
    """
    The bytes an entry of a text key and a bytes value holds, roughly.
    """
    return len(key) + len(value) + ENTRY_OVERHEAD


class Cache(Protocol):
    """
    What lookups and images keep bytes in: L{MemoryCache}, L{RedisCache}, or the two
    together (L{FallbackCache}). A failing store answers a miss, never an error.
    """

    def get(self, key: str) -> "Deferred[Optional[bytes]]":
        """
        The bytes kept under C{key}, or L{None}.
        """

    def set(self, key: str, value: bytes, ttl: float) -> "Deferred[None]":
        """
        Keep C{value} under C{key} for C{ttl} seconds.
        """


class MemoryCache:
    """
    A least-recently-used map with an expiry time per entry, bounded by the bytes its entries
    hold (not by their number: a raster is a hundred times a record); of bytes as a cache of
    upstream answers, of anything for callers of L{lookup}.

    @param size: the bytes an entry holds, from its key and value.
    """

    def __init__(
        self,
        clock: IReactorTime,
        max_bytes: int = FACTS_IN_MEMORY,
        size: Callable[[Any, Any], int] = entry_size,
    ) -> None:
        self._clock = clock
        self.max_bytes = max_bytes
        self._size = size
        #: Bytes the entries hold now.
        self.bytes = 0
        self._entries: OrderedDict[Any, Tuple[float, Any, int]] = OrderedDict()

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
        expires, value, _ = entry
        left = expires - self._clock.seconds()
        if left <= 0:
            self.discard(key)
            return None
        self._entries.move_to_end(key)
        return value, left

    def set(self, key: Any, value: Any, ttl: float) -> "Deferred[None]":
        self.discard(key)
        size = self._size(key, value)
        if size <= self.max_bytes:
            self._entries[key] = (self._clock.seconds() + ttl, value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, _, oldest) = self._entries.popitem(last=False)
                self.bytes -= oldest
        return succeed(None)

    def discard(self, key: Any) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry[2]


#: What each value stored in Redis starts with, before the name of its key and a newline.
_TAG = b"key="


def _tag(key: str) -> bytes:
    return _TAG + key.encode("utf-8") + b"\n"


class RedisCache:
    """
    Bytes in Redis with a TTL, over the daemon's L{RedisConnection}.

    Each value is stored after the name of the key it is for, and read back only when it names
    the key asked for: a reply handed to the wrong command reads as a miss (and is logged),
    never as another package's facts. That is a second guard: the connection sets no reply
    timeout (txredisapi's can hand a late reply to the next command), and drops itself for a
    new one when a command takes too long instead.
    """

    _log = Logger()

    def __init__(self, connection: RedisConnection) -> None:
        self.connection = connection

    def get(self, key: str) -> "Deferred[Optional[bytes]]":
        return self.connection.get(key).addCallback(self._for_key, key)

    def set(self, key: str, value: bytes, ttl: float) -> "Deferred[None]":
        # whole seconds, at least one: as Redis kept records before (SET EX)
        d = self.connection.set(key, _tag(key) + value, max(1, int(ttl)))
        return d.addCallback(lambda kept: None)

    def add(self, key: str, value: bytes, ttl: float) -> "Deferred[bool]":
        """
        Keep C{value} under C{key} for C{ttl} seconds unless Redis holds something there
        (C{SET NX}); whether it was kept.
        """
        return self.connection.set(key, _tag(key) + value, max(1, int(ttl)), only_if_absent=True)

    def _for_key(self, stored: Any, key: str) -> Optional[bytes]:
        """
        The value stored for C{key}; L{None} for nothing, for a record of an earlier version
        (which named no key), and for a reply that is not a record of C{key}.
        """
        if stored is None:
            return None
        tag = _tag(key)
        if isinstance(stored, bytes):
            if stored.startswith(tag):
                return stored[len(tag):]
            if not stored.startswith(_TAG):
                return None
        self._log.warn(
            "Redis answered GET {key} with {other!r}: not a record of that key, taken as a miss.",
            key=key, other=stored[:80],
        )
        return None


class FallbackCache:
    """
    Redis, with the in-process cache beside it: every value is kept in both, so that a Redis
    that goes away, or comes back empty, costs nothing that was already known. A lost, slow or
    full Redis is logged once when it starts failing and once when it is well again, never
    once per request.

    @param absent: where L{ABSENT} is kept in-process, apart from C{memory}.
    """

    def __init__(
        self,
        redis: RedisCache,
        memory: MemoryCache,
        metrics: Metrics,
        clock: IReactorTime,
        absent: Optional[MemoryCache] = None,
    ) -> None:
        self._redis = redis
        self._memory = memory
        self._absent = absent if absent is not None else MemoryCache(clock, ABSENT_IN_MEMORY)
        self._metrics = metrics
        self._incident = Incident(
            "Redis", clock, "caching in-process until it answers.", calm=REDIS_CALM,
            unit="commands",
        )

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
        self._incident.answered()
        if value is not None:
            self._metrics.redis_hit.inc()
            return value
        self._metrics.redis_miss.inc()
        found = self._in_memory(key)
        if found is None:
            return None
        # Redis came back empty (or lost the key): give it back what we know, unless
        # another daemon stored a record meanwhile (fresher than ours, or as fresh).
        value, left = found
        if self._redis.connection.connected:
            self._redis.add(key, value, left).addErrback(lambda _: None)
        return value

    def _from_memory(self, key: str) -> Optional[bytes]:
        found = self._in_memory(key)
        return None if found is None else found[0]

    def _in_memory(self, key: str) -> Optional[Tuple[bytes, float]]:
        found = self._memory.lookup(key) or self._absent.lookup(key)
        (self._metrics.memory_miss if found is None else self._metrics.memory_hit).inc()
        return found

    def set(self, key: str, value: bytes, ttl: float) -> "Deferred[None]":
        kept, other = (self._absent, self._memory) if value == ABSENT else (self._memory, self._absent)
        kept.set(key, value, ttl)
        other.discard(key)
        if not self._use_redis():
            return succeed(None)
        d = self._redis.set(key, value, ttl)
        d.addCallback(self._redis_answered)
        d.addErrback(self._redis_failed, lambda: None)
        return d

    def _use_redis(self) -> bool:
        # while the first connection is being made, commands wait for it (briefly)
        usable = self._redis.connection.usable
        if not usable:
            self._incident.failed("not connected")
        return usable

    def _redis_answered(self, result: Any) -> Any:
        self._incident.answered()
        return result

    def _redis_failed(self, failure: Failure, instead: Callable[[], Any]) -> Any:
        if failure.check(CancelledError):
            # the client hung up and its request's chain was cancelled down to here: Redis
            # did nothing wrong, and nobody waits for what memory would have answered
            return failure
        self._incident.failed(failure.getErrorMessage() or type(failure.value).__name__)
        return instead()
