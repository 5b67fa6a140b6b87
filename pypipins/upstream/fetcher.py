"""
Fetching from an upstream (PyPI, pypistats, a shields server), with every way that can go
wrong turned into L{NotFound} or L{Unavailable}.

A request stays on its origin: redirects are followed here, one by one, only to the origins
the caller allows (the URL's own by default), and a connection whose answer is not wanted
(too slow, too big, an error's body) is closed rather than read to its end.
"""

import enum
import json
from email.utils import parsedate_to_datetime
from typing import (
    Any, Awaitable, Callable, Collection, Dict, Generic, List, Mapping, Optional, Protocol, Tuple,
    TypeVar, Union, cast,
)
from urllib.parse import urldefrag, urljoin, urlsplit

import attrs
from twisted.internet.defer import CancelledError, Deferred, maybeDeferred
from twisted.internet.error import ConnectingCancelledError
from twisted.internet.interfaces import IDelayedCall, IPushProducer, IReactorFromThreads, IReactorTime
from twisted.internet.protocol import Protocol as BodyProtocol, connectionDone
from twisted.internet.threads import deferToThreadPool
from twisted.web.client import (
    HTTPConnectionPool, ResponseDone, ResponseNeverReceived, _HTTP11ClientFactory,
)
from twisted.web.http import PotentialDataLoss
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool
from twisted.web.iweb import IResponse

from pypipins.facts import NotFound, Unavailable
from pypipins.ops.health import UpstreamHealth
from pypipins.ops.metrics import Metrics
from pypipins.upstream.gate import Gate, Throttled

#: Seconds an upstream has to answer, body included; badges are waited for by browsers.
DEFAULT_TIMEOUT = 10.0

#: The largest body read. PyPI's documents reach several megabytes (hypothesis': 6.6 MB).
MAX_BODY = 32 * 1024 * 1024

#: Bodies over this many bytes are decoded and condensed in a thread: reading a document of
#: megabytes takes milliseconds (msgspec) to tens of them (PyPy's json, or a document decoded
#: whole), which would hold up every warm badge meanwhile. Below it the handing over costs
#: more than it spares.
OFF_REACTOR = 256 * 1024

#: Redirects followed at most for one request: PyPI's are one (a name to its normal form).
MAX_REDIRECTS = 5

#: The statuses that say where else a GET is answered; all are followed as a GET.
REDIRECTS = (301, 302, 303, 307, 308)

#: What is read at most of a body not wanted (a 404's, a redirect's), and for how many
#: seconds, so that its connection can go back to the pool; past either it is closed.
DRAIN_BYTES = 64 * 1024
DRAIN_SECONDS = 2.0

#: Scheme, host (lower-case) and port: to whom a request, and its credentials, may go.
Origin = Tuple[str, str, Optional[int]]

T = TypeVar("T")


def origin(url: str) -> Origin:
    """
    Scheme, host and port of C{url}: to whom credentials for it may go.
    """
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = -1  # no port at all: an origin nothing else has
    return parts.scheme, (parts.hostname or "").lower(), port


def shown(where: Origin) -> str:
    """
    An origin as a log line may show it: C{scheme://host:port}, never a path, a query or
    credentials; a host that is not plain text is not repeated.
    """
    scheme, host, port = where
    if not (host.isascii() and host.isprintable()):
        host = "(an unprintable host)"
    elif ":" in host:
        host = f"[{host}]"
    return f"{scheme[:10]}://{host[:100]}" + ("" if port is None else f":{port}")


class TooLarge(Unavailable):
    """
    The body is over the size limit of the request: asking again gets the same answer.
    """


class RateLimited(Unavailable):
    """
    The upstream answered 429: this address asked too much, and should wait C{retry_after}
    seconds (L{None} when it did not say) before asking again.
    """

    def __init__(self, message: str, retry_after: Optional[float]) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after(header: Optional[str], now: float) -> Optional[float]:
    """
    The seconds a C{Retry-After} header asks for: a number of seconds or an HTTP date;
    L{None} when there is none or it is neither.
    """
    if header is None:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


class _QuietFactory(_HTTP11ClientFactory):
    # not "Starting factory" and "Stopping factory" in the log for every upstream connection
    noisy = False


class QuietPool(HTTPConnectionPool):
    """
    A connection pool whose connections come and go without a word in the log.
    """

    _factory = _QuietFactory


class Parse(enum.Enum):
    """
    Where a fetched body is read (decoded and condensed to what is kept).
    """

    #: In the condensing threads when the body is over L{OFF_REACTOR} bytes, at once in the
    #: reactor's thread below: reading a document of megabytes takes milliseconds to tens
    #: of them, which would hold up every warm badge meanwhile.
    CONDENSING = "condensing"
    #: In the reactor's thread whatever its size: for a reader with nothing to do (L{whole}).
    ON_REACTOR = "on the reactor"


@attrs.frozen
class Fetched:
    """
    An upstream's answer, as plain values that a reader in another thread may touch: where
    it came from (after redirects), its C{Content-Type} (empty for none), and its body.
    """

    url: str
    content_type: str
    body: bytes


def whole(fetched: Fetched) -> Fetched:
    """
    The answer as it came: the reader of a caller that looks at it itself.
    """
    return fetched


@attrs.frozen
class of_body(Generic[T]):
    """
    A reader of the body alone: C{read(fetched.body)}.
    """

    read: Callable[[bytes], T]

    def __call__(self, fetched: Fetched) -> T:
        return self.read(fetched.body)


def decode_json(body: bytes) -> Any:
    """
    The JSON document C{body}.

    @raise Unavailable: when it is not JSON.
    """
    try:
        return json.loads(body)
    except ValueError:
        raise Unavailable("not JSON")


def _read_from(failure: Failure, url: str) -> Failure:
    """
    An upstream's document that cannot be read, said of its URL.
    """
    if failure.check(Unavailable):
        raise Unavailable(f"{url}: {failure.getErrorMessage()}") from failure.value
    return failure


@attrs.frozen
class Condensing:
    """
    Where documents over L{OFF_REACTOR} bytes are decoded and condensed: C{pool}'s threads,
    handing the facts back to C{reactor}'s.
    """

    reactor: IReactorFromThreads
    pool: ThreadPool


class HTTPClient(Protocol):
    """
    What a fetcher asks of its HTTP client: L{treq.client.HTTPClient} in the daemons,
    L{treq.testing.StubTreq} over a stand-in's resource in the tests.
    """

    def get(
        self, url: str, /, *, headers: Dict[Union[bytes, str], Union[bytes, str]],
        allow_redirects: bool,
    ) -> Awaitable[IResponse]:
        """
        The response to a GET of C{url}, redirects followed or not.
        """


class Fetcher:
    """
    Gets documents over HTTP with a time and a size limit, telling C{health} and C{metrics}
    how each request went.

    @param http: a treq C{HTTPClient}, or anything with its C{get} (such as
        C{treq.testing.StubTreq}).
    @param clock: what times the requests out.
    @param name: the upstream's name in the metrics.
    @param condensing: the threads that decode and condense bodies over L{OFF_REACTOR}
        bytes; without them, all are decoded in the reactor's thread.
    @param gate: the cap on requests to the upstream's origin, which every request waits its
        turn under (within its timeout); without one, none.
    """

    def __init__(
        self,
        http: HTTPClient,
        clock: IReactorTime,
        timeout: float = DEFAULT_TIMEOUT,
        name: str = "upstream",
        health: Optional[UpstreamHealth] = None,
        metrics: Optional[Metrics] = None,
        condensing: Optional[Condensing] = None,
        gate: Optional[Gate] = None,
    ) -> None:
        self._http = http
        self._condensing = condensing
        self._gate = gate
        self._clock = clock
        self._timeout = timeout
        self._name = name
        self._health = health
        self._metrics = metrics

    @property
    def clock(self) -> IReactorTime:
        """
        What times the requests out, and what their callers time their waits by.
        """
        return self._clock

    def fetch(
        self,
        url: str,
        read: Callable[["Fetched"], T],
        *,
        accept: str = "application/json",
        headers: Optional[Mapping[str, str]] = None,
        limit: Optional[int] = None,
        origins: Optional[Collection[Origin]] = None,
        parse: "Parse" = Parse.CONDENSING,
    ) -> "Deferred[T]":
        """
        What C{read} makes of the answer to a GET of C{url}; fails with L{NotFound} on a
        404, with L{TooLarge} for a body over C{limit} bytes (L{MAX_BODY} by default), and
        with L{Unavailable} on anything else but a 200 (a redirect to an origin not allowed
        included), or when C{read} raises it (a document of the wrong shape is the upstream
        failing too; its message is then prefixed with C{url}).

        @param read: what is kept of the answer: L{whole} keeps it as it came. It touches
            nothing but the L{Fetched} it is given, which it may be given in another thread.
        @param accept: the request's C{Accept} header.
        @param headers: more request headers, such as an index's C{Authorization}: sent to
            C{url}'s origin only, never along a redirect to another.
        @param origins: where redirects may lead (C{url}'s own origin is always allowed): an
            index's file hosts.
        @param parse: where C{read} runs: in the condensing threads for a body over
            L{OFF_REACTOR} bytes (L{Parse.CONDENSING}), or in the reactor's thread whatever
            its size (L{Parse.ON_REACTOR}: for a reader with nothing to do).
        """
        fetched = self._fetch(url, accept, headers, limit, origins)
        return self._observed(fetched.addCallback(self._read, read, parse, url))

    def _read(
        self, fetched: "Fetched", read: Callable[["Fetched"], T], parse: "Parse", url: str
    ) -> "Deferred[T]":
        """
        C{read(fetched)}: in the condensing threads when it is over L{OFF_REACTOR} bytes, so
        that the reactor's thread goes on answering meanwhile; at once in the reactor's
        below, where handing it over costs more than it spares.
        """
        if parse is Parse.ON_REACTOR or self._condensing is None or len(fetched.body) <= OFF_REACTOR:
            d = maybeDeferred(read, fetched)
        else:
            # what is kept of a document is small: only that comes back to the reactor
            d = deferToThreadPool(self._condensing.reactor, self._condensing.pool, read, fetched)
        return d.addErrback(_read_from, url)

    def _observed(self, d: "Deferred[T]") -> "Deferred[T]":
        started = self._clock.seconds()

        def observe(result: Any) -> Any:
            seconds = self._clock.seconds() - started
            if not isinstance(result, Failure):
                outcome = "ok"
            elif result.check(NotFound):
                outcome = "not_found"
            elif result.check(TooLarge):
                # an answer over this request's limit (a distribution an index offers as
                # metadata's last resort): the upstream is well, the document too big
                outcome = "too_large"
            elif result.check(CancelledError):
                # the caller gave up (its client went away): the upstream did nothing wrong
                outcome = "cancelled"
            elif result.check(RateLimited):
                # the upstream is well, and says we (or another program on our address)
                # asked too much: its client holds off, this is no incident of the upstream
                outcome = "rate_limited"
            elif result.check(Throttled):
                # never sent: our own cap held it back, the upstream was not asked
                outcome = "throttled"
            else:
                outcome = "error"
            if self._metrics is not None:
                self._metrics.upstream(self._name, outcome, seconds)
            if self._health is not None:
                if outcome == "error":
                    self._health.failed(result.getErrorMessage())
                elif outcome not in ("cancelled", "throttled"):
                    self._health.answered()
            return result

        return d.addBoth(observe)

    def _fetch(
        self,
        url: str,
        accept: str,
        headers: Optional[Mapping[str, str]],
        limit: Optional[int],
        origins: Optional[Collection[Origin]],
    ) -> "Deferred[Fetched]":
        allowed = {origin(url), *(origins or ())}
        turn = _Turn()
        d = Deferred.fromCoroutine(self._get(
            url, accept, headers or {}, MAX_BODY if limit is None else limit, allowed, turn
        ))
        # Not Deferred.addTimeout: cancelling reaches treq as a ResponseNeverReceived, which
        # would hide that the time ran out. Cancelling reaches what the request awaits: its
        # turn, the answer, or its body, whose connection is closed then.
        timer = self._clock.callLater(self._timeout, d.cancel)

        def stop_timer(result: Any) -> Any:
            if timer.active():
                timer.cancel()
            return result

        d.addBoth(stop_timer)
        d.addErrback(self._explain, url, timer, turn)
        return d

    async def _get(
        self,
        url: str,
        accept: str,
        headers: Mapping[str, str],
        limit: int,
        origins: Collection[Origin],
        turn: "_Turn",
    ) -> Fetched:
        if self._gate is not None:
            await self._gate.enter(self._timeout)
            turn.taken = True
        try:
            response = await self._follow(url, accept, headers, origins)
            if response.code == 404:
                # Let the connection go back to the pool, reading little of what is left.
                self._discard(response)
                raise NotFound(url)
            if response.code == 429:
                self._discard(response)
                wait = retry_after(
                    (response.headers.getRawHeaders("retry-after") or [None])[0],
                    self._clock.seconds(),
                )
                raise RateLimited(f"{url} answered 429", wait)
            if response.code != 200:
                self._discard(response)
                raise Unavailable(f"{url} answered {response.code}", code=response.code)
            # response.length is UNKNOWN_LENGTH (a string) when no Content-Length was sent
            if isinstance(response.length, int) and response.length > limit:
                response.deliverBody(_Closing(self._clock, 0, 0.0))
                raise TooLarge(f"{url} sent {response.length} bytes, over {limit}")
            body = await _collect(response, url, limit)
            return Fetched(_answered_from(response, url), _content_type(response), body)
        finally:
            if turn.taken and self._gate is not None:
                self._gate.leave()

    async def _follow(
        self, url: str, accept: str, headers: Mapping[str, str], origins: Collection[Origin]
    ) -> IResponse:
        """
        The answer to a GET of C{url}, redirects followed as far as L{MAX_REDIRECTS} and only
        to C{origins}; C{headers} go to C{url}'s origin only.
        """
        first = origin(url)
        at = url
        for _ in range(MAX_REDIRECTS + 1):
            asked: Dict[Union[bytes, str], Union[bytes, str]] = (
                dict(headers.items()) if origin(at) == first else {}
            )
            asked["Accept"] = accept
            response: IResponse = await self._http.get(at, headers=asked, allow_redirects=False)
            if response.code not in REDIRECTS:
                return response
            self._discard(response)
            location = (response.headers.getRawHeaders("location") or [None])[0]
            if location is None:
                raise Unavailable(f"{url} answered {response.code} with no Location")
            target = _redirect_target(at, location)
            if target is None:
                raise Unavailable(f"{url} answered {response.code} to something not http(s)")
            if origin(target) not in origins:
                raise Unavailable(
                    f"{url} answered {response.code} to another origin, "
                    f"{shown(origin(target))}: not followed"
                )
            at = target
        raise Unavailable(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _discard(self, response: IResponse) -> None:
        """
        Drop the body of an answer that is not wanted: read a little, for its connection to go
        back to the pool; close the connection if there is more or it is slow to come.
        """
        response.deliverBody(_Closing(self._clock, DRAIN_BYTES, DRAIN_SECONDS))

    def _explain(self, failure: Failure, url: str, timer: Any, turn: "_Turn") -> Failure:
        if timer.called:
            if self._gate is not None and not turn.taken:
                raise Throttled(
                    f"{url}: no turn to ask {self._gate.name} within {self._timeout} s "
                    f"({self._gate.in_flight} requests in flight)"
                )
            raise Unavailable(f"{url} did not answer within {self._timeout} s")
        if failure.check(NotFound, Unavailable):
            return failure
        if _cancelled(failure):
            # not by our timer, so by the caller: its client went away
            raise CancelledError(url)
        raise Unavailable(f"{url}: {failure.getErrorMessage()}")


@attrs.define
class _Turn:
    """
    Whether a request has got its turn under its upstream's L{Gate}: one that had not when
    its time ran out was never sent.
    """

    taken: bool = False


def _redirect_target(at: str, location: str) -> Optional[str]:
    """
    Where a redirect from C{at} to C{location} leads, absolute and without fragment; L{None}
    unless it is http or https.
    """
    target, _ = urldefrag(urljoin(at, location.strip()))
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        parts.port  # noqa: B018 (reading it raises ValueError for a port out of range)
    except ValueError:
        return None
    return target


def _cancelled(failure: Failure) -> bool:
    """
    Whether the request failed because it was cancelled, however treq words it: a cancel
    before the connection is made, or one while the response was awaited.
    """
    if failure.check(CancelledError, ConnectingCancelledError):
        return True
    if isinstance(failure.value, ResponseNeverReceived):
        return all(reason.check(CancelledError) for reason in failure.value.reasons)
    return False


def _answered_from(response: IResponse, url: str) -> str:
    """
    The URL that C{response} answers (after redirects), as treq's request says it; C{url} when
    it does not say.
    """
    asked = getattr(getattr(response, "request", None), "absoluteURI", None)
    return asked.decode("ascii", "replace") if isinstance(asked, bytes) else url


def _content_type(response: IResponse) -> str:
    return (response.headers.getRawHeaders("content-type") or [""])[0]


def _collect(response: IResponse, url: str, limit: int) -> "Deferred[bytes]":
    """
    The body of C{response}, up to C{limit} bytes. Past the limit, or when the Deferred is
    cancelled (the request's time ran out), the connection is closed at once: not one byte
    more is read of a body nobody waits for any more.
    """
    body = _Body(url, limit)
    response.deliverBody(body)
    return body.done


def _producer(transport: Any) -> IPushProducer:
    """
    The transport a response hands its body's protocol: a producer (Twisted's
    C{TransportProxyProducer}), which C{stopProducing} closes.
    """
    return cast(IPushProducer, transport)


class _Body(BodyProtocol):
    """
    A body read into memory, up to C{limit} bytes.
    """

    def __init__(self, url: str, limit: int) -> None:
        self._url = url
        self._limit = limit
        self._chunks: List[bytes] = []
        self._size = 0
        self.done: Deferred[bytes] = Deferred(lambda _: self._close())

    def _close(self) -> None:
        # the response's transport, a proxy of the connection's: stopping it closes the TCP
        # connection at once, below TLS, whose own closing would wait for the other side
        if self.transport is not None:
            _producer(self.transport).stopProducing()

    def dataReceived(self, data: bytes) -> None:
        if self.done.called:
            return
        self._size += len(data)
        if self._size > self._limit:
            self._chunks = []
            self._close()
            self.done.errback(TooLarge(f"{self._url} sent more than {self._limit} bytes"))
            return
        self._chunks.append(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self.done.called:
            return
        # PotentialDataLoss: a body without a length, ended by the connection's end
        if reason.check(ResponseDone, PotentialDataLoss):
            self.done.callback(b"".join(self._chunks))
        else:
            self.done.errback(reason)


class _Closing(BodyProtocol):
    """
    A body not wanted: dropped as it comes while it is under C{most} bytes and
    C{seconds} old, so that its connection can be used again; past either, the connection
    is closed.
    """

    def __init__(self, clock: IReactorTime, most: int, seconds: float) -> None:
        self._clock = clock
        self._left = most
        self._seconds = seconds
        self._timer: Optional[IDelayedCall] = None

    def makeConnection(self, transport: Any) -> None:
        super().makeConnection(transport)
        if self._seconds <= 0:
            self._close()
        else:
            self._timer = self._clock.callLater(self._seconds, self._close)

    def _close(self) -> None:
        if self.transport is not None:
            _producer(self.transport).stopProducing()

    def dataReceived(self, data: bytes) -> None:
        self._left -= len(data)
        if self._left < 0:
            self._close()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
