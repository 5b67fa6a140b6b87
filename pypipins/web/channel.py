"""
How one client connection is read, on both daemons' sites: its pipelined requests one a
reactor turn, and none while its answers go unread; a request that must arrive whole within a
deadline; and a line in the access log for each request refused before a resource saw it.

Twisted's L{HTTPChannel} answers a connection's requests one after another, but it parses every
request it has read as soon as the one before is answered, all in the same reactor turn, and it
stops reading a client that does not read its answers only between requests: a thousand
pipelined requests in one write were all answered at once, into a write buffer nobody read,
while every other client waited. Its idle timeout starts again at each byte, so a client
sending a byte now and then held its connection (and a file descriptor) for ever. And the 400s
it writes itself never reach the site's log.

This subclass uses the hooks Twisted's HTTP channel has had for years, the same on Twisted 25.5
(PyPy) and 26.10: the methods C{LineReceiver} and C{HTTPChannel} call as bytes
arrive (C{dataReceived}, C{lineReceived}, C{lineLengthExceeded}, C{allContentReceived},
C{requestDone}), the producer methods the transport calls (C{pauseProducing},
C{resumeProducing}), C{LineReceiver}'s C{paused} flag, which stops its parsing (C{HTTPChannel}
never sets it), C{clearLineBuffer}, and the transport's socket (C{getHandle}) for one option.
One private method is overridden, the one that writes Twisted's 400, as there is no other way
to know of it; tests/web/test_channel.py holds it on both.
"""

import socket
from typing import List, Optional, Protocol, cast

from twisted.internet.interfaces import IDelayedCall, IPushProducer, ISystemHandle, ITCPTransport
from twisted.internet.protocol import connectionDone
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from twisted.web.http import HTTPChannel, Request
from twisted.web.server import Site

#: Seconds a client has to send a whole request (its line, headers and body, at most
#: limits.MAX_BODY bytes) from the first of its bytes: a request's head is a few hundred bytes,
#: one or two packets that a poor mobile link delivers in a second or two; a client that takes
#: longer is holding a descriptor, not sending a request. The wait for a keep-alive
#: connection's next request is Twisted's idle timeout (Site.timeOut, 60 s), not this.
REQUEST_DEADLINE = 10.0

#: Seconds a connection closed by the deadline has to take its 408 before it is aborted: a
#: client that does not read it would keep the descriptor.
ABORT_AFTER = 2.0

#: Bytes of answers the kernel may hold unsent on a connection (TCP_NOTSENT_LOWAT, Linux):
#: past them the rest waits in Twisted's buffer, whose filling stops the connection (see
#: GuardedChannel). Without it the kernel takes megabytes for a client that reads nothing
#: (on loopback, sixty home pages) before the daemon knows. Bytes in flight are not bounded
#: by it: a far client still gets a window as wide as its path needs.
UNSENT = 16 * 1024

#: Bytes of a connection's pipelined requests read ahead of the one answered: a client that
#: hangs up is seen at once and its requests dropped (a connection not read is not seen
#: closing), and a client sending requests faster than they are answered is not read past
#: it. Twisted reads as far ahead while a request is answered (_optimisticEagerReadSize).
READ_AHEAD = 16 * 1024

#: The most of a refused request's line that is logged: a line may be 16 KB.
LOGGED_LINE = 1024

_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"Connection: close\r\n"
    b"Content-Length: 0\r\n"
    b"\r\n"
)


class _Connection(Protocol):
    """
    What the deadline does with a TCP connection (a L{twisted.internet.tcp.Connection}).
    """

    def write(self, data: bytes) -> None: ...
    def abortConnection(self) -> None: ...


class GuardedChannel(HTTPChannel):
    """
    An L{HTTPChannel} that a client cannot make answer more than it reads, nor hold open by
    sending slowly, and whose refusals are logged.

    Pipelined requests: when a request has been answered and bytes of the next are already
    read, the next is parsed at the next reactor turn, not at once, and the connection is read
    meanwhile no further than L{READ_AHEAD} bytes: other connections take their turn between
    a connection's requests. When the transport's write buffer fills (the client is not
    reading its answers: the kernel holds at most L{UNSENT} bytes of them unsent, the
    transport 64 KB), the channel stops both reading and parsing until the transport has
    written it out.

    Deadline: a request begun (some of its bytes read, the rest not) and not whole within
    L{REQUEST_DEADLINE} seconds is answered 408 and its connection closed.
    """

    site: Optional[Site] = None

    #: The transport's write buffer is full: the client is not reading its answers.
    _unread = False
    #: A request is whole and not yet answered.
    _answering = False
    #: The request being received was refused (its connection is closing).
    _refused = False
    #: The line of the request being received, as it came.
    _request_line: Optional[bytes] = None
    #: Bytes read and not yet parsed, held while the channel is paused.
    _held = b""
    _turn: Optional[IDelayedCall] = None
    _deadline: Optional[IDelayedCall] = None
    _closing: Optional[IDelayedCall] = None

    def connectionMade(self) -> None:
        super().connectionMade()
        option = getattr(socket, "TCP_NOTSENT_LOWAT", None)
        handle = ISystemHandle(self.transport, None)
        if option is not None and handle is not None and ITCPTransport.providedBy(self.transport):
            try:
                cast(socket.socket, handle.getHandle()).setsockopt(socket.IPPROTO_TCP, option, UNSENT)
            except OSError:
                # not a TCP socket after all (a test's), or a kernel without it
                pass

    # bytes in

    def dataReceived(self, data: bytes) -> None:
        if self.paused:
            # read while a request waits for its turn (or handed back by requestDone)
            self._held += data
            if len(self._held) > READ_AHEAD:
                self._pause_reading()
            return
        super().dataReceived(data)
        self._watch()

    def lineReceived(self, line: bytes) -> None:
        if self._request_line is None and line:
            self._request_line = line
        super().lineReceived(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        # LineReceiver would close without a word: a 400, as for a head too large
        if self._request_line is None:
            self._request_line = line.split(b"\r\n", 1)[0]
        self._respondToBadRequestAndDisconnect()

    def allContentReceived(self) -> None:
        self._stop_deadline()
        self._request_line = None
        self._answering = True
        super().allContentReceived()

    # answers out

    def requestDone(self, request: Request) -> None:
        self._answering = False
        # what Twisted hands back below is parsed at the next turn, not now
        self.paused = True
        super().requestDone(request)
        if self.persistent:
            self._settle()

    def pauseProducing(self) -> None:
        # the transport's write buffer is full: read and parse nothing until it is written
        self._unread = True
        self.paused = True
        super().pauseProducing()
        self._pause_reading()

    def resumeProducing(self) -> None:
        self._unread = False
        super().resumeProducing()
        self._settle()

    def _settle(self) -> None:
        """
        After an answer, or once answers are read: the next request's turn if bytes of it
        wait, else read on.
        """
        self._held = self.clearLineBuffer() + self._held
        if self._unread:
            return
        if self._held:
            if len(self._held) > READ_AHEAD:
                self._pause_reading()
            if self._turn is None:
                self._turn = self.callLater(0, self._take_turn)
        elif self._turn is None:
            self.paused = False

    def _take_turn(self) -> None:
        self._turn = None
        if self._unread or self.transport is None:
            return
        held, self._held = self._held, b""
        self.paused = False
        self._resume_reading()
        self.dataReceived(held)

    def _pause_reading(self) -> None:
        producer = IPushProducer(self.transport, None)
        if producer is not None:
            producer.pauseProducing()

    def _resume_reading(self) -> None:
        producer = IPushProducer(self.transport, None)
        if producer is not None:
            producer.resumeProducing()

    # the deadline

    def _watch(self) -> None:
        """
        A request begun and not yet whole is given its deadline, from now: the read that
        brought its first bytes (a request read whole in one read, the usual, costs no timer).
        """
        if self._deadline is not None or self._answering or self._refused or self.paused:
            return
        if self._request_line is None and not self._unparsed():
            return
        self._deadline = self.callLater(REQUEST_DEADLINE, self._timed_out)

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            if self._deadline.active():
                self._deadline.cancel()
            self._deadline = None

    def _unparsed(self) -> bytes:
        """
        The bytes read and not yet parsed, left where they are.
        """
        left = self.clearLineBuffer()
        if left:
            paused, self.paused = self.paused, True
            LineReceiver.dataReceived(self, left)
            self.paused = paused
        return left

    def _timed_out(self) -> None:
        self._deadline = None
        if self._request_line is None:
            self._request_line = self._unparsed().split(b"\r\n", 1)[0]
        self.refused(408)
        transport = cast(_Connection, self.transport)
        transport.write(_TIMED_OUT)
        self.loseConnection()
        self._closing = self.callLater(ABORT_AFTER, transport.abortConnection)

    # refusals

    def refused(self, code: int) -> None:
        """
        The request being received is refused with C{code} (written by the caller): no
        deadline for it any more, and its line in the access log.
        """
        self._stop_deadline()
        if self._refused:
            return
        self._refused = True
        if self.site is None:
            return
        request = self.requests[-1] if self.requests else self.requestFactory(self)
        parts: List[bytes] = (self._request_line or b"")[:LOGGED_LINE].split(b" ", 2)
        parts += [b""] * (3 - len(parts))
        request.method, request.uri, request.clientproto = parts
        request.code = code
        self.site.log(request)

    def _respondToBadRequestAndDisconnect(self) -> None:
        self.refused(400)
        super()._respondToBadRequestAndDisconnect()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._stop_deadline()
        for call in (self._turn, self._closing):
            if call is not None and call.active():
                call.cancel()
        self._turn = self._closing = None
        super().connectionLost(reason)

