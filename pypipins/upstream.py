"""
Fetching from an upstream (PyPI, pypistats, a shields server), with every way that can go
wrong turned into L{NotFound} or L{Unavailable}.
"""

import json
from typing import Any, List, Mapping, Optional, Tuple

import treq
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.web.iweb import IResponse

from pypipins.facts import NotFound, Unavailable

#: Seconds an upstream has to answer, body included; badges are waited for by browsers.
DEFAULT_TIMEOUT = 10.0

#: The largest body read. PyPI's documents reach several megabytes (hypothesis': 6.6 MB).
MAX_BODY = 32 * 1024 * 1024

_log = Logger()


class TooLarge(Unavailable):
    """
    The body is over the size limit of the request: asking again gets the same answer.
    """


class Fetcher:
    """
    Gets documents over HTTP with a time and a size limit.

    @param http: a treq C{HTTPClient}, or anything with its C{get} (such as
        C{treq.testing.StubTreq}).
    @param clock: what times the requests out.
    """

    def __init__(self, http: Any, clock: IReactorTime, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._http = http
        self._clock = clock
        self._timeout = timeout

    def json(self, url: str, headers: Optional[Mapping[str, str]] = None) -> "Deferred[Any]":
        """
        The decoded JSON at C{url}; fails with L{NotFound} on a 404 and with L{Unavailable} on
        anything else that is not a 200 with a JSON body.
        """
        return self.get(url, "application/json", headers).addCallback(_decode_json, url)

    def get(
        self,
        url: str,
        accept: str,
        headers: Optional[Mapping[str, str]] = None,
        limit: Optional[int] = None,
    ) -> "Deferred[Tuple[IResponse, bytes]]":
        """
        The response to a GET of C{url} and its body; fails with L{NotFound} on a 404, with
        L{TooLarge} for a body over C{limit} bytes (L{MAX_BODY} by default) and with L{Unavailable} on anything else
        but a 200.

        @param headers: more request headers, such as an index's C{Authorization} (which
            Twisted does not pass on when redirected to another origin).
        """
        d = Deferred.fromCoroutine(self._get(url, accept, headers or {}, MAX_BODY if limit is None else limit))
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
        response: IResponse = await self._http.get(
            url, headers={**headers, "Accept": accept}, allow_redirects=True
        )
        if response.code == 404:
            # Let the connection go back to the pool without reading what is left.
            response.deliverBody(_Discard())
            raise NotFound(url)
        if response.code != 200:
            response.deliverBody(_Discard())
            raise Unavailable(f"{url} answered {response.code}")
        # response.length is UNKNOWN_LENGTH (a string) when no Content-Length was sent
        if isinstance(response.length, int) and response.length > limit:
            response.deliverBody(_Discard())
            raise TooLarge(f"{url} sent {response.length} bytes, over {limit}")
        return response, await _collect(response, url, limit)

    def _explain(self, failure: Any, url: str, timer: Any) -> Any:
        if timer.called:
            raise Unavailable(f"{url} did not answer within {self._timeout} s")
        if failure.check(NotFound, Unavailable):
            return failure
        raise Unavailable(f"{url}: {failure.getErrorMessage()}")


def _decode_json(answer: Tuple[IResponse, bytes], url: str) -> Any:
    try:
        return json.loads(answer[1])
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

    def connectionLost(self, reason: Any) -> None:
        pass
