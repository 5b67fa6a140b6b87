"""
Remembering upstream answers: in Redis (shared, survives restarts) and in a bounded in-process
cache beside it, so that badges are served whether Redis answers or not.
"""

import functools
import socket
from collections import OrderedDict
from typing import Any, Callable, List, Optional, Protocol, Tuple, Union
from urllib.parse import unquote, urlsplit

import attrs
from twisted.application.service import Service
from twisted.internet.defer import CancelledError, Deferred, TimeoutError, fail, succeed
from twisted.internet.endpoints import clientFromString
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from pypipins.ops.incidents import Incident
from pypipins.ops.metrics import Metrics

#: Seconds a Redis command may take before the in-process cache answers instead: seconds
#: during which this process could have read the answer (see L{REACTOR_STALL}).
REDIS_TIMEOUT = 0.5

#: Seconds a command's timer may fire late before the reactor counts as having stalled
#: meanwhile (a long collection, a big document, the process stopped or not scheduled): the
#: answer may be waiting, unread, and Redis is given its time again rather than dropped.
#: Timers fire within milliseconds of their time on a reactor that keeps turning.
REACTOR_STALL = 0.1

#: Seconds a command is waited on at most, however often the reactor stalls meanwhile: a
#: reactor that stalls again and again still finds out a Redis that is gone.
REDIS_WAIT_MOST = 5.0

#: Longest wait, in seconds, between two attempts to reach a Redis that is gone; so this
#: long at most after Redis returns, it is used again.
REDIS_RETRY_MAX = 5.0

#: Seconds the sentinels have to name the master before a connection attempt fails (and is
#: tried again): txredisapi's default, 10 s, would hold back the move to a new master.
SENTINEL_DISCOVERY_TIMEOUT = 1.0

#: Longest wait between two attempts to reach the master through Sentinel: each attempt asks
#: the sentinels first, and a failover is over within seconds, so that is soon noticed.
#: (txredisapi also takes it for the connection's timeout.)
SENTINEL_RETRY_MAX = 1.0

#: Seconds Redis must go without a failure before an incident is over: a Redis at
#: C{maxmemory} refuses every write and answers every read, which is one incident.
REDIS_CALM = 10.0

MiB = 1024 * 1024

#: Bytes of facts and download counts kept in-process beside Redis: a record is well under
#: 2 KB, so some 15,000 packages.
FACTS_IN_MEMORY = 32 * MiB

#: Bytes of responses kept ready to send again: an SVG badge is 1-4 KB, a raster 1-30 KB, each
#: with some 1.2 KB of key and objects; so some 15,000 SVG badges. With 64, 40,000 requests
#: over 4,000 packages still filled it at their end (CPython: 110 MB resident, +15 MB over the
#: second half; with 32: 95 MB, +5 MB; bench/memory.py, two runs each); a busy server gives more.
READY_IN_MEMORY = 32 * MiB

#: Bytes of images kept in-process, drawn or fetched from a shields server.
IMAGES_IN_MEMORY = 32 * MiB

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


@attrs.frozen
class Sentinels:
    """
    A Redis service found through Redis Sentinel: its name, and the sentinels asked for its
    master (all of them at once; the first to name a master that is up is believed).
    """

    service: str
    addresses: Tuple[Tuple[str, int], ...]


@attrs.frozen
class RedisAddress:
    """
    Where Redis is (a Twisted client endpoint string, or L{Sentinels}), which database, and
    the password it wants.
    """

    where: Union[str, Sentinels]
    db: int = 0
    password: Optional[str] = attrs.field(default=None, repr=False)


def shown(url: str) -> str:
    """
    C{url} as an error or a log line may show it: everything before its last C{@} (where
    credentials would be, whether or not the URL is well formed) masked.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    return scheme + sep + rest


def parse_redis_url(url: str) -> RedisAddress:
    """
    The address of a Redis URL: C{redis://[:password@]host[:port][/db]},
    C{unix://[:password@]/path/to.sock[?db=N]}, or
    C{redis+sentinel://[:password@]host[:port][,host[:port]...]/SERVICE[/db]} (the password
    is the master's; sentinels listen on 26379 unless told). The password is
    percent-encoded (C{/} as C{%2F}, C{?} as C{%3F}, C{#} as C{%23}).

    @raise ValueError: for anything else, never repeating the password.
    """
    parts = urlsplit(url)
    rest = url.partition("://")[2]
    if "@" in rest and "@" not in parts.netloc and not (
        parts.scheme == "unix" and rest.startswith("/")
    ):
        # a password holding '/', '?' or '#' ends the host part early: the rest of it would
        # be read as the path, the query or the fragment, and shown as such
        raise ValueError(
            "an '@' after the host: a password's '/', '?' and '#' are written %2F, %3F and "
            "%23 in the URL (or give it with --redis-password-file or --redis-password-env)"
        )
    # what the errors show: never the password
    url = shown(url)
    where: Union[str, Sentinels]
    if parts.scheme == "redis+sentinel":
        password, at, hosts = parts.netloc.rpartition("@")
        service, _, db = parts.path.strip("/").partition("/")
        if not service:
            raise ValueError(f"no service name in {url!r}")
        where = Sentinels(service, tuple(_host_port(each, url) for each in hosts.split(",")))
        password = unquote(password.partition(":")[2]) if at else ""
        db = db or "0"
    elif parts.scheme == "redis":
        if not parts.hostname:
            raise ValueError(f"no host in {url!r}")
        password = unquote(parts.password or "")
        db = parts.path.strip("/") or "0"
        where = f"tcp:host={parts.hostname}:port={parts.port or 6379}"
    elif parts.scheme == "unix":
        if not parts.path:
            raise ValueError(f"no socket path in {url!r}")
        password = unquote(parts.password or "")
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        db = query.get("db", "0")
        where = "unix:path=" + parts.path.replace(":", r"\:")
    else:
        raise ValueError(f"{url!r} is not redis://, redis+sentinel:// nor unix://")
    if not db.isdigit():
        raise ValueError(f"database {db!r} in {url!r} is not a number")
    return RedisAddress(where, int(db), password or None)


def _host_port(text: str, url: str) -> Tuple[str, int]:
    """
    C{(host, port)} of a sentinel's C{host[:port]} (C{[::1]:26379} for IPv6).
    """
    parts = urlsplit("//" + text)
    try:
        port = parts.port or 26379
    except ValueError:
        port = 0
    if not parts.hostname or not port or parts.username or parts.password:
        raise ValueError(f"{text!r} in {url!r} is not host:port")
    return parts.hostname, port


class RedisCache(Service):
    """
    Bytes in Redis with a TTL, over one txredisapi connection kept open (and re-opened) while
    the service runs.

    Each value is stored after the name of the key it is for, and read back only when it names
    the key asked for: a reply handed to the wrong command reads as a miss (and is logged),
    never as another package's facts. That is a second guard: no reply timeout is set on the
    connection (txredisapi's can hand a late reply to the next command), and a command that
    takes too long drops the connection for a new one instead.

    Through L{Sentinels}, the master is asked of the sentinels before each connection, and a
    connection that finds a replica (a master since demoted) is dropped for another attempt:
    after a failover, commands go to the new master as soon as the sentinels name it.

    A command times out after L{REDIS_TIMEOUT} seconds of the reactor's attention, not of
    the clock's: when the reactor stalled (its timers fire late) or the answer already waits in
    the socket, Redis is given its time again; so a pause of this process is not taken for
    Redis failing, and does not cost the connection.

    @param where: a Twisted client endpoint string (C{tcp:host=...:port=...} or
        C{unix:path=...}), or L{Sentinels}.
    @param clock: what commands are timed by; the reactor's unless given.
    """

    _log = Logger()

    def __init__(
        self,
        reactor: Any,
        where: Union[str, Sentinels],
        dbid: int = 0,
        password: Optional[str] = None,
        clock: Optional[IReactorTime] = None,
    ) -> None:
        self._reactor = reactor
        self._clock: IReactorTime = reactor if clock is None else clock
        self._where = where
        self._dbid = dbid
        self._password = password
        self._factory: Any = None
        self._sentinel: Any = None

    @classmethod
    def at(cls, reactor: Any, address: RedisAddress) -> "RedisCache":
        return cls(reactor, address.where, address.db, address.password)

    @property
    def connected(self) -> bool:
        return self._factory is not None and self._factory.size > 0

    def startService(self) -> None:
        # Imported here: txredisapi installs the default reactor when imported.
        import txredisapi

        super().startService()
        options = dict(
            poolsize=1, isLazy=True, charset=None, password=self._password,
            convertNumbers=False,
        )
        if isinstance(self._where, str):
            self._factory = txredisapi.RedisFactory(self._where, self._dbid, **options)
            endpoint = clientFromString(self._reactor, self._where)
        else:
            self._sentinel = txredisapi.Sentinel(list(self._where.addresses))
            self._sentinel.discovery_timeout = SENTINEL_DISCOVERY_TIMEOUT
            self._factory = _master_factory()(
                sentinel_manager=self._sentinel, service_name=self._where.service,
                is_master=True, uuid=None, dbid=self._dbid, **options,
            )
            endpoint = txredisapi._SentinelEndpoint(self._factory)
        self._factory.maxDelay = (
            REDIS_RETRY_MAX if isinstance(self._where, str) else SENTINEL_RETRY_MAX
        )
        self._factory.startConnecting(endpoint)

    def stopService(self) -> "Deferred[Any]":
        super().stopService()
        factory, self._factory = self._factory, None
        d: Deferred[Any] = factory.disconnect()
        if self._sentinel is not None:
            sentinel, self._sentinel = self._sentinel, None
            d.addBoth(lambda _: sentinel.disconnect())
        return d

    def execute(self, name: str, *args: Any, **kwargs: Any) -> "Deferred[Any]":
        """
        Another command of txredisapi's (C{eval}, C{set} with C{only_if_not_exists}...), on
        bytes, failing after L{REDIS_TIMEOUT} as the cache's own do; for callers that keep
        something other than a cache's records.
        """
        if not self.connected:
            return fail(ConnectionError("Redis is not connected"))
        return self._command(name, *args, **kwargs)

    def get(self, key: str) -> "Deferred[Optional[bytes]]":
        return self._command("get", key).addCallback(self._for_key, key)

    def set(self, key: str, value: bytes, ttl: float) -> "Deferred[None]":
        return self._command("set", key, _tag(key) + value, expire=max(1, int(ttl)))

    def add(self, key: str, value: bytes, ttl: float) -> "Deferred[bool]":
        """
        Keep C{value} under C{key} for C{ttl} seconds unless Redis holds something there
        (C{SET NX}); whether it was kept.
        """
        d = self._command(
            "set", key, _tag(key) + value, expire=max(1, int(ttl)), only_if_not_exists=True
        )
        return d.addCallback(lambda kept: kept is not None)

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

    def _command(self, name: str, *args: Any, **kwargs: Any) -> "Deferred[Any]":
        d: Deferred[Any] = getattr(self._factory.handler, name)(*args, **kwargs)
        return _in_time(d, self._clock, self._answer_waiting, self._timed_out)

    def _connections(self) -> List[Any]:
        return list(self._factory.pool if self._factory is not None else ())

    def _answer_waiting(self) -> bool:
        """
        Whether bytes from Redis wait in a connection's socket, not yet read by the reactor.
        """
        for connection in self._connections():
            handle = getattr(connection.transport, "getHandle", lambda: None)()
            try:
                if handle is not None and handle.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
                    return True
            except OSError:  # nothing to read (EAGAIN), or the socket is closed
                pass
        return False

    def _timed_out(self, seconds: float) -> Failure:
        # The command keeps its place in the connection's queue of replies, so a late reply
        # reaches no other command; but a connection this slow (Redis paused, a network gone
        # quiet) is given up for a new one rather than waited on.
        for connection in self._connections():
            connection.transport.abortConnection()
        return Failure(TimeoutError(f"Redis did not answer within {seconds:.1f} s"))


def _in_time(
    d: "Deferred[Any]",
    clock: IReactorTime,
    answer_waiting: Callable[[], bool],
    timed_out: Callable[[float], Failure],
) -> "Deferred[Any]":
    """
    C{d}, cancelled and failed with what C{timed_out} makes of the seconds waited, once Redis
    has had L{REDIS_TIMEOUT} seconds of the reactor's attention without answering.

    The reactor runs the timers that are due before it writes and reads: after a stall of
    this process, or a long turn of it (a hundred requests taken at once, a big document), a
    timer would fire with the command not yet written, or its answer waiting unread. So when
    the timer fires late by more than L{REACTOR_STALL}, or an answer waits in the socket, the
    command is given L{REDIS_TIMEOUT} again; and before it times out the reactor is let turn
    once more, L{REACTOR_STALL} later, to write and read what it has not. Up to
    L{REDIS_WAIT_MOST} in all.
    """
    began = clock.seconds()
    expired = False
    looked_again = False
    timer: IDelayedCall

    def expire() -> None:
        nonlocal timer, expired, looked_again
        now = clock.seconds()
        stalled = now - timer.getTime() > REACTOR_STALL
        if now - began < REDIS_WAIT_MOST and (stalled or answer_waiting()):
            looked_again = False
            timer = clock.callLater(REDIS_TIMEOUT, expire)
        elif not looked_again:
            looked_again = True
            timer = clock.callLater(REACTOR_STALL, expire)
        else:
            expired = True
            d.cancel()

    timer = clock.callLater(REDIS_TIMEOUT, expire)

    def done(result: Any) -> Any:
        if timer.active():
            timer.cancel()
        if expired and isinstance(result, Failure) and result.check(CancelledError):
            return timed_out(clock.seconds() - began)
        return result

    return d.addBoth(done)


@functools.cache
def _master_factory() -> Any:
    # Made when first needed: txredisapi installs the default reactor when imported.
    import txredisapi

    class MasterProtocol(txredisapi.SentinelRedisProtocol):
        """
        txredisapi's connection to a master found through Sentinel, whose check that it reached
        the master compares the role to a text: on a connection that reads bytes (as this cache
        does) it never equals, and every connection was dropped. Decoded here.
        """

        def connectionMade(self) -> Any:
            def check_role(role: Any) -> Any:
                name = role[0].decode() if isinstance(role[0], bytes) else role[0]
                if name != "master":
                    self.transport.loseConnection()
                    return None
                return txredisapi.RedisProtocol.connectionMade(self)

            if self.password is not None:
                self.auth(self.password, self.username)
            return self.role().addCallback(check_role)

    class MasterFactory(txredisapi.SentinelConnectionFactory):
        protocol = MasterProtocol

    return MasterFactory


#: What each value stored in Redis starts with, before the name of its key and a newline.
_TAG = b"key="


def unreachable(failure: Failure) -> bool:
    """
    Whether a Redis command failed because Redis could not be reached (not connected, the
    connection lost, no answer in time): what L{FallbackCache} logs, once per incident, as
    Redis failing. Anything else (a script Redis refuses, say) is a fault of its own.
    """
    import txredisapi

    return failure.check(ConnectionError, txredisapi.ConnectionError, TimeoutError) is not None


def _tag(key: str) -> bytes:
    return _TAG + key.encode("utf-8") + b"\n"


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
        if self._redis.connected:
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
        connected = self._redis.connected
        if not connected:
            self._incident.failed("not connected")
        return connected

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
