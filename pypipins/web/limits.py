"""
The HTTP protocol limits of both daemons' sites: a request body over a small size is refused
as it arrives, never read whole; how a connection is read (pipelining, deadlines, refusals
logged) is pypipins.web.channel's.
"""

from io import BytesIO
from typing import Optional, Protocol, cast

from twisted.internet.interfaces import IDelayedCall
from twisted.python.failure import Failure
from twisted.web.resource import IResource
from twisted.web.server import Request, Site

from pypipins.web.accesslog import AccessLog, AccessLoggedSite
from pypipins.web.channel import GuardedChannel

#: The largest request body taken. No route reads a body (badges and pages are GETs), so
#: this only bounds what a request costs before its 405: Twisted alone would read any body
#: whole first, spooling one over 100 KB to a temporary file.
MAX_BODY = 64 * 1024

#: Seconds what a refused client still sends is read and dropped before its connection is
#: closed: closing while it sends would reset the connection, and a reset can destroy the
#: 413 before the client reads it. Nothing read is kept; the time is bounded.
LINGER = 2.0

_REFUSAL = b"Request body too large: %d bytes at most.\n" % MAX_BODY
_TOO_LARGE = (
    b"HTTP/1.1 413 Content Too Large\r\n"
    b"Content-Type: text/plain;charset=utf-8\r\n"
    b"Content-Length: %d\r\n"
    b"Connection: close\r\n"
    b"\r\n" % len(_REFUSAL)
) + _REFUSAL


class _Connection(Protocol):
    """
    What a refusal does with a TCP connection (a L{twisted.internet.tcp.Connection}).
    """

    def write(self, data: bytes) -> None: ...
    def unregisterProducer(self) -> None: ...
    def loseWriteConnection(self) -> None: ...
    def abortConnection(self) -> None: ...


class LimitedRequest(Request):
    """
    A request whose body is refused with a 413 as soon as it is known to be over
    L{MAX_BODY}: at its C{Content-Length}, before any of it is read, or when a chunked body
    passes it. The connection is then closed: at once for sending, and for receiving after
    L{LINGER} seconds, while what arrives is dropped.

    Twisted has no such limit. This uses no private API, so that it holds on Twisted 25.5
    (PyPy) and 26.10 alike: C{Site.requestFactory} is how a site chooses its request class,
    and C{gotLength}, C{handleContentChunk}, C{requestReceived} and C{connectionLost} are
    the methods of L{Request} the HTTP channel calls as a request arrives. The 413 is written
    to the transport, as Twisted writes its own 400s, since the request line is not yet the
    request's (C{Request.write} needs it) when the headers give the length.
    """

    _received = 0
    _refused = False
    _closing: Optional[IDelayedCall] = None

    def gotLength(self, length: Optional[int]) -> None:
        if length is not None and length > MAX_BODY:
            self._refuse()
            return
        # at most MAX_BODY bytes: in memory, never the temporary file Twisted would make
        # for a body of unknown length
        self.content = BytesIO()

    def handleContentChunk(self, data: bytes) -> None:
        if self._refused:
            return
        self._received += len(data)
        if self._received > MAX_BODY:
            self._refuse()
            return
        assert self.content is not None  # only a refused request has none
        self.content.write(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        if self._refused:
            # the body ended while the connection lingered: it was answered already
            return
        super().requestReceived(command, path, version)

    def connectionLost(self, reason: Failure) -> None:
        if self._closing is not None and self._closing.active():
            self._closing.cancel()
        super().connectionLost(reason)

    def _refuse(self) -> None:
        self._refused = True
        if self.content is not None:
            self.content.close()
            self.content = None
        # The channel sends "100 Continue" after gotLength to a client that expects it: a
        # client refused must not be told to go on.
        self.requestHeaders.removeHeader(b"Expect")
        if isinstance(self.channel, GuardedChannel):
            self.channel.refused(413)
        transport = cast(_Connection, self.channel.transport)
        transport.write(_TOO_LARGE)
        # the channel is the transport's producer: no half-close while it is
        transport.unregisterProducer()
        transport.loseWriteConnection()
        self._closing = self.channel.callLater(LINGER, transport.abortConnection)


class LimitedSite(AccessLoggedSite):
    """
    An L{AccessLoggedSite} whose connections are L{GuardedChannel}s.
    """

    # The channel itself, not Twisted's wrapper (typed as the factory's protocol) that would
    # switch to HTTP/2 after a TLS handshake: the daemons speak HTTP/1.1 behind a proxy.
    protocol = GuardedChannel  # type: ignore[assignment]


def limited_site(resource: IResource, access_log: Optional[AccessLog] = None) -> Site:
    """
    A L{Site} for C{resource} whose requests are L{LimitedRequest}s on L{GuardedChannel}s,
    with no traceback ever shown to a client, logging to C{access_log} (else to twistd's log,
    line by line).
    """
    site = LimitedSite(resource, requestFactory=LimitedRequest)
    site.access_log = access_log
    site.displayTracebacks = False
    return site
