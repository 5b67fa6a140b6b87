"""
Redis behind one small typed connection: what the cache (L{pypipins.store.cache}), the fleet's
claims, clock and budget (L{pypipins.store.fleet}) ask of it, on bytes, each command timed out
by the reactor's attention. txredisapi is driven here only, and its workarounds are here,
each saying why.
"""

import functools
import socket
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union
from urllib.parse import unquote, urlsplit

import attrs
from twisted.application.service import Service
from twisted.internet.defer import CancelledError, Deferred, TimeoutError, fail
from twisted.internet.endpoints import clientFromString
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

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

#: Seconds after the start during which commands wait for the first connection rather than
#: fail as Redis not connected: it takes milliseconds on a LAN, up to
#: L{SENTINEL_DISCOVERY_TIMEOUT} and a retry through Sentinel; a Redis not there by then is
#: down, and the first requests are answered from memory as when it goes away later.
FIRST_CONNECTION_WAIT = 2.0

#: Seconds the sentinels have to name the master before a connection attempt fails (and is
#: tried again): txredisapi's default, 10 s, would hold back the move to a new master.
SENTINEL_DISCOVERY_TIMEOUT = 1.0

#: Longest wait between two attempts to reach the master through Sentinel: each attempt asks
#: the sentinels first, and a failover is over within seconds, so that is soon noticed.
#: (txredisapi also takes it for the connection's timeout.)
SENTINEL_RETRY_MAX = 1.0


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


def unreachable(failure: Failure) -> bool:
    """
    Whether a Redis command failed because Redis could not be reached (not connected, the
    connection lost, no answer in time): what the cache logs, once per incident, as Redis
    failing. Anything else (a script Redis refuses, say) is a fault of its own.
    """
    # Imported here: txredisapi installs the default reactor when imported.
    import txredisapi

    return failure.check(ConnectionError, txredisapi.ConnectionError, TimeoutError) is not None


class RedisConnection(Service):
    """
    One connection to Redis, kept open (and re-opened) while the service runs, and the few
    commands the daemon sends on it, on bytes.

    Every command fails at once with a C{ConnectionError} while Redis is not connected, except
    in the first L{FIRST_CONNECTION_WAIT} seconds after the start, when it waits for the first
    connection: a daemon asked at once is not a daemon whose Redis fails.

    Through L{Sentinels}, the master is asked of the sentinels before each connection, and a
    connection that finds a replica (a master since demoted) is dropped for another attempt:
    after a failover, commands go to the new master as soon as the sentinels name it.

    A command times out after L{REDIS_TIMEOUT} seconds of the reactor's attention, not of
    the clock's (L{_in_time}): a pause of this process is not taken for Redis failing, and
    does not cost the connection. No reply timeout is set on the connection itself:
    txredisapi's can hand a late reply to the next command; a command that takes too long
    drops the connection for a new one instead.

    @param where: a Twisted client endpoint string (C{tcp:host=...:port=...} or
        C{unix:path=...}), or L{Sentinels}.
    @param clock: what commands are timed by; the reactor's unless given.
    """

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
        #: Commands waiting for the first connection, while it is being made.
        self._first: Optional[List[Deferred[None]]] = None
        self._first_timer: Optional[IDelayedCall] = None

    @classmethod
    def at(cls, reactor: Any, address: RedisAddress) -> "RedisConnection":
        return cls(reactor, address.where, address.db, address.password)

    @property
    def connected(self) -> bool:
        """
        Whether a connection is up now.
        """
        return self._factory is not None and self._factory.size > 0

    @property
    def usable(self) -> bool:
        """
        Whether a command may be sent: a connection is up, or the first is being made (and
        the command waits for it).
        """
        return self.connected or self._first is not None

    def startService(self) -> None:
        # Imported here: txredisapi installs the default reactor when imported.
        import txredisapi

        super().startService()
        # charset None: values are bytes, never decoded; convertNumbers off: a value that
        # looks like a number stays bytes. isLazy: the first connection is not waited for here.
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
            # txredisapi's endpoint that asks the sentinels for the master at each attempt
            endpoint = txredisapi._SentinelEndpoint(self._factory)
        self._factory.maxDelay = (
            REDIS_RETRY_MAX if isinstance(self._where, str) else SENTINEL_RETRY_MAX
        )
        self._first = []
        self._first_timer = self._clock.callLater(FIRST_CONNECTION_WAIT, self._first_over)
        # The factory's deferred fires once, with the first connection; it fails when that
        # connection could not select the database (or was lost while doing so), and nobody
        # else waits on it: consumed here rather than logged as unhandled.
        self._factory.deferred.addCallbacks(
            lambda handler: self._first_over(), lambda failure: None
        )
        self._factory.startConnecting(endpoint)

    def stopService(self) -> "Deferred[Any]":
        super().stopService()
        factory, self._factory = self._factory, None
        self._first_over()
        d: Deferred[Any] = factory.disconnect()
        if self._sentinel is not None:
            sentinel, self._sentinel = self._sentinel, None
            d.addBoth(lambda _: sentinel.disconnect())
        return d

    def _first_over(self) -> None:
        """
        The first connection is made, or no longer waited for: the commands that waited go
        (or fail as not connected).
        """
        waiting, self._first = self._first, None
        if self._first_timer is not None and self._first_timer.active():
            self._first_timer.cancel()
        self._first_timer = None
        for each in waiting or ():
            if not each.called:  # not cancelled by whoever waited
                each.callback(None)

    def get(self, key: str) -> "Deferred[Optional[bytes]]":
        """
        The bytes at C{key}, or L{None}.
        """
        return self._command("get", key)

    def set(
        self, key: str, value: bytes, expire: float, only_if_absent: bool = False
    ) -> "Deferred[bool]":
        """
        Keep C{value} at C{key} for C{expire} seconds (to the millisecond); with
        C{only_if_absent}, only when Redis holds nothing there (C{SET NX}). Whether it was kept.
        """
        d = self._command(
            "set", key, value, pexpire=int(expire * 1000), only_if_not_exists=only_if_absent
        )
        # txredisapi answers OK as a text, and a SET NX refused as None
        return d.addCallback(lambda reply: reply is not None)

    def eval(
        self, script: str, keys: Sequence[str], args: Sequence[Union[str, bytes, int]]
    ) -> "Deferred[Any]":
        """
        What the Lua C{script} returns, run on C{keys} with C{args}.
        """
        return self._command("eval", script, keys=list(keys), args=list(args))

    def time(self) -> "Deferred[float]":
        """
        Redis' clock, in seconds since the epoch (to the microsecond).
        """
        d = self._command("time")
        return d.addCallback(lambda reply: int(reply[0]) + int(reply[1]) / 1_000_000)

    def _command(self, name: str, *args: Any, **kwargs: Any) -> "Deferred[Any]":
        if self._first is not None and not self.connected:
            waiting: Deferred[None] = Deferred()
            self._first.append(waiting)
            return waiting.addCallback(lambda _: self._command(name, *args, **kwargs))
        if not self.connected:
            # txredisapi's lazy connection would queue the command until Redis is back: it
            # is failed instead, for the caller to do without Redis meanwhile
            return fail(ConnectionError("not connected"))
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
        the master compares the role to a text: on a connection that reads bytes (as this one
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
