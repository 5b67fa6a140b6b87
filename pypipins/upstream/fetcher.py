"""
Fetching from an upstream (PyPI, pypistats, a shields server), with every way that can go
wrong turned into L{NotFound} or L{Unavailable}.
"""

import json
from email.utils import parsedate_to_datetime
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Protocol, Tuple, TypeVar, Union

import attrs
import treq
from twisted.internet.defer import CancelledError, Deferred, maybeDeferred
from twisted.internet.error import ConnectingCancelledError
from twisted.internet.interfaces import IReactorFromThreads, IReactorTime
from twisted.internet.threads import deferToThreadPool
from twisted.web.client import HTTPConnectionPool, ResponseNeverReceived, _HTTP11ClientFactory
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool
from twisted.web.iweb import IResponse

from pypipins.facts import NotFound, Unavailable
from pypipins.health import UpstreamHealth
from pypipins.metrics import Metrics

#: Seconds an upstream has to answer, body included; badges are waited for by browsers.
DEFAULT_TIMEOUT = 10.0

#: The largest body read. PyPI's documents reach several megabytes (hypothesis': 6.6 MB).
MAX_BODY = 32 * 1024 * 1024

#: Bodies over this many bytes are decoded and condensed in a thread: reading a document of
#: megabytes takes milliseconds (msgspec) to tens of them (PyPy's json, or a document decoded
#: whole), which would hold up every warm badge meanwhile. Below it the handing over costs
#: more than it spares.
OFF_REACTOR = 256 * 1024

T = TypeVar("T")


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
    ) -> None:
        self._http = http
        self._condensing = condensing
        self._clock = clock
        self._timeout = timeout
        self._name = name
        self._health = health
        self._metrics = metrics

    def json(
        self, url: str, condense: Callable[[Any], T], headers: Optional[Mapping[str, str]] = None
    ) -> "Deferred[T]":
        """
        C{condense} of the decoded JSON at C{url}; fails with L{NotFound} on a 404 and with
        L{Unavailable} on anything else that is not a 200 with a JSON body C{condense} takes
        (it raises L{Unavailable} for a document of the wrong shape, which is the upstream
        failing too).
        """
        return self.document(url, lambda body: condense(_decode_json(body, url)), headers)

    def document(
        self, url: str, read: Callable[[bytes], T], headers: Optional[Mapping[str, str]] = None
    ) -> "Deferred[T]":
        """
        As L{json}, with C{read} turning the JSON body into what is kept (decoding included,
        for a reader that decodes only what it keeps).
        """
        d = self._fetch(url, "application/json", headers, None)
        return self._observed(d.addCallback(lambda answer: self.read(answer[1], read)))

    def read(self, body: bytes, read: Callable[[bytes], T]) -> "Deferred[T]":
        """
        C{read(body)}, for a body this fetcher got (as L{document} reads its own): in the
        condensing threads when it is over L{OFF_REACTOR} bytes, so that the reactor's thread
        goes on answering meanwhile; at once in the reactor's below, where handing it over
        costs more than it spares. C{read} touches nothing but C{body}.
        """
        if self._condensing is None or len(body) <= OFF_REACTOR:
            return maybeDeferred(read, body)
        # what is kept of a document is small: only that comes back to the reactor
        return deferToThreadPool(self._condensing.reactor, self._condensing.pool, read, body)

    def get(
        self,
        url: str,
        accept: str,
        headers: Optional[Mapping[str, str]] = None,
        limit: Optional[int] = None,
    ) -> "Deferred[Tuple[IResponse, bytes]]":
        """
        The response to a GET of C{url} and its body; fails with L{NotFound} on a 404, with
        L{TooLarge} for a body over C{limit} bytes (L{MAX_BODY} by default) and with
        L{Unavailable} on anything else but a 200.

        @param headers: more request headers, such as an index's C{Authorization} (which
            Twisted does not pass on when redirected to another origin).
        """
        return self._observed(self._fetch(url, accept, headers, limit))

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
            else:
                outcome = "error"
            if self._metrics is not None:
                self._metrics.upstream(self._name, outcome, seconds)
            if self._health is not None:
                if outcome == "error":
                    self._health.failed(result.getErrorMessage())
                elif outcome != "cancelled":
                    self._health.answered()
            return result

        return d.addBoth(observe)

    def _fetch(
        self, url: str, accept: str, headers: Optional[Mapping[str, str]], limit: Optional[int]
    ) -> "Deferred[Tuple[IResponse, bytes]]":
        d = Deferred.fromCoroutine(
            self._get(url, accept, headers or {}, MAX_BODY if limit is None else limit)
        )
        # Not Deferred.addTimeout: cancelling reaches treq as a ResponseNeverReceived, which
        # would hide that the time ran out.
        timer = self._clock.callLater(self._timeout, d.cancel)

        def stop_timer(result: Any) -> Any:
            if timer.active():
                timer.cancel()
            return result

        d.addBoth(stop_timer)
        d.addErrback(self._explain, url, timer)
        return d

    async def _get(
        self, url: str, accept: str, headers: Mapping[str, str], limit: int
    ) -> Tuple[IResponse, bytes]:
        asked: Dict[Union[bytes, str], Union[bytes, str]] = dict(headers.items())
        asked["Accept"] = accept
        response: IResponse = await self._http.get(url, headers=asked, allow_redirects=True)
        if response.code == 404:
            # Let the connection go back to the pool without reading what is left.
            response.deliverBody(_Discard())
            raise NotFound(url)
        if response.code == 429:
            response.deliverBody(_Discard())
            wait = retry_after(
                (response.headers.getRawHeaders("retry-after") or [None])[0], self._clock.seconds()
            )
            raise RateLimited(f"{url} answered 429", wait)
        if response.code != 200:
            response.deliverBody(_Discard())
            raise Unavailable(f"{url} answered {response.code}", code=response.code)
        # response.length is UNKNOWN_LENGTH (a string) when no Content-Length was sent
        if isinstance(response.length, int) and response.length > limit:
            response.deliverBody(_Discard())
            raise TooLarge(f"{url} sent {response.length} bytes, over {limit}")
        return response, await _collect(response, url, limit)

    def _explain(self, failure: Failure, url: str, timer: Any) -> Failure:
        if timer.called:
            raise Unavailable(f"{url} did not answer within {self._timeout} s")
        if failure.check(NotFound, Unavailable):
            return failure
        if _cancelled(failure):
            # not by our timer, so by the caller: its client went away
            raise CancelledError(url)
        raise Unavailable(f"{url}: {failure.getErrorMessage()}")


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


def _decode_json(body: bytes, url: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise Unavailable(f"{url} sent something that is not JSON")


async def _collect(response: IResponse, url: str, limit: int) -> bytes:
    chunks: List[bytes] = []
    size = 0

    def collect(data: bytes) -> None:
        nonlocal size
        size += len(data)
        if size > limit:
            raise TooLarge(f"{url} sent more than {limit} bytes")
        chunks.append(data)

    await treq.collect(response, collect)
    return b"".join(chunks)


class _Discard:
    """
    A body consumer that drops what it gets.
    """

    def makeConnection(self, transport: Any) -> None:
        pass

    def dataReceived(self, data: bytes) -> None:
        pass

    def connectionLost(self, reason: Failure) -> None:
        pass
