"""
How both daemons' sites read a connection (pypipins.web.channel), in memory: the site
limited_site makes, over a resource that counts what it renders, on a transport of bytes and a
Clock. The same through the daemons as users start them is in tests/scenarios/test_http_limits.py.
"""

import io
from typing import List, Optional, Tuple, Union

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.web.http import combinedLogFormatter
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from pypipins.web.accesslog import AccessLog
from pypipins.web.channel import LOGGED_LINE, READ_AHEAD, REQUEST_DEADLINE, GuardedChannel
from pypipins.web.limits import MAX_BODY, limited_site

pytestmark = pytest.mark.memory

CLIENT = IPv4Address("TCP", "127.0.0.1", 40000)

#: The bytes Twisted's TCP transport buffers before it pauses its producer (its bufferSize).
TCP_BUFFER = 64 * 1024

#: An answer's body: a few answers fill the buffer.
ANSWER = 10 * 1024


class Counted(Resource):
    """
    Answers every GET with L{ANSWER} bytes at once, and remembers the paths it answered.
    """

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.rendered: List[bytes] = []

    def render_GET(self, request: Request) -> Union[bytes, int]:
        self.rendered.append(request.uri)
        return b"x" * ANSWER


class Reactor(Clock):
    """
    A Clock with the reactor's turns: what a turn's calls schedule for now runs at the next
    turn, after the reactor has read and written other connections (Clock.advance runs it at
    once).
    """

    def turn(self) -> None:
        due = [call for call in self.calls if call.getTime() <= self.seconds()]
        for call in due:
            self.calls.remove(call)
            call.called = 1
            call.func(*call.args, **call.kw)


class Transport(StringTransport):
    """
    A L{StringTransport} that can close for writing, as TCP's can.
    """

    def loseWriteConnection(self) -> None:
        self.disconnecting = True


class UnreadTransport(Transport):
    """
    A transport whose client reads nothing until L{read} is called: as Twisted's TCP
    transport does when its write buffer holds more than its bufferSize, it pauses its
    producer past L{TCP_BUFFER} bytes, and resumes it once they are taken.
    """

    def write(self, data: bytes) -> None:
        super().write(data)
        if len(self.value()) > TCP_BUFFER and self.producer is not None and self.streaming:
            self.producer.pauseProducing()

    def writeSequence(self, data: List[bytes]) -> None:
        self.write(b"".join(data))

    def read(self) -> bytes:
        taken = self.value()
        self.clear()
        if self.producer is not None:
            self.producer.resumeProducing()
        return taken


def connect(transport: Optional[Transport] = None) -> Tuple[GuardedChannel, Transport, Counted, Reactor, io.StringIO]:
    """
    A connection to a new site: its channel, transport, resource, clock and access log.
    """
    clock = Reactor()
    resource = Counted()
    log = io.StringIO()
    site = limited_site(resource, AccessLog(clock, log, prefixed=False))
    channel = site.buildProtocol(CLIENT)
    channel.callLater = clock.callLater
    transport = transport or Transport()
    transport.peerAddr = CLIENT
    channel.makeConnection(transport)
    return channel, transport, resource, clock, log


def get(path: bytes) -> bytes:
    return b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path


def logged(clock: Clock, log: io.StringIO) -> List[str]:
    clock.advance(0)
    return log.getvalue().splitlines()


def test_pipelined_requests_are_taken_one_a_reactor_turn():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(get(b"/1") + get(b"/2") + get(b"/3"))
    assert resource.rendered == [b"/1"]
    clock.turn()
    assert resource.rendered == [b"/1", b"/2"]
    clock.turn()
    assert resource.rendered == [b"/1", b"/2", b"/3"]
    assert transport.producerState == "producing"
    assert transport.value().count(b"HTTP/1.1 200 OK") == 3


def test_a_connection_is_read_no_further_than_a_limit_ahead_of_its_answers():
    channel, transport, resource, clock, log = connect()
    requests = [get(b"/%d" % n) for n in range(READ_AHEAD // len(get(b"/0")) + 10)]
    channel.dataReceived(b"".join(requests))
    assert transport.producerState == "paused"
    while len(resource.rendered) < len(requests):
        clock.turn()
    assert transport.producerState == "producing"


def test_the_requests_of_a_client_that_hangs_up_are_dropped():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(get(b"/1") + get(b"/2") + get(b"/3"))
    # it is still read, and so seen to go
    assert transport.producerState == "producing"
    channel.connectionLost(Failure(ConnectionDone()))
    clock.advance(0)
    assert resource.rendered == [b"/1"]


def test_a_request_split_across_reads_is_answered_once_whole():
    channel, transport, resource, clock, log = connect()
    request = get(b"/1") + get(b"/2")
    for byte in range(len(request)):
        channel.dataReceived(request[byte:byte + 1])
        clock.advance(0)
    assert resource.rendered == [b"/1", b"/2"]
    assert transport.producerState == "producing"


class Later(Counted):
    """
    Answers each GET a second later, as a lookup that waits on Redis or PyPI does.
    """

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock

    def render_GET(self, request: Request) -> int:
        self.rendered.append(request.uri)

        def answer() -> None:
            request.write(b"x" * ANSWER)
            request.finish()

        self.clock.callLater(1, answer)
        return NOT_DONE_YET


def test_pipelined_requests_answered_later_are_answered_in_order():
    channel, transport, resource, clock, log = connect(UnreadTransport())
    later = Later(clock)
    channel.site.resource = later
    requests = [get(b"/%d" % n) for n in range(30)]
    # the first whole, the rest while it is answered, a byte at a time at the end
    channel.dataReceived(requests[0])
    channel.dataReceived(b"".join(requests[1:-1]))
    for byte in requests[-1]:
        channel.dataReceived(bytes([byte]))
    answered = 0
    for _ in range(100):
        clock.advance(1)
        answered += transport.read().count(b"HTTP/1.1 200 OK")
    assert answered == 30
    assert later.rendered == [b"/%d" % n for n in range(30)]
    assert b" 408 " not in transport.value()


def test_a_client_that_reads_no_answers_is_neither_read_nor_answered_further():
    channel, transport, resource, clock, log = connect(UnreadTransport())
    channel.dataReceived(b"".join(get(b"/%d" % n) for n in range(100)))
    for _ in range(200):
        clock.advance(0)
    # answers past the transport's buffer wait for the client to read
    assert len(resource.rendered) <= TCP_BUFFER // ANSWER + 1
    assert transport.producerState == "paused"
    answered = 0
    for _ in range(100):
        answered += transport.read().count(b"HTTP/1.1 200 OK")
        for _ in range(20):
            clock.advance(0)
    # and all are answered, in order, once read
    assert answered == 100
    assert resource.rendered == [b"/%d" % n for n in range(100)]
    assert transport.producerState == "producing"


def test_a_request_not_whole_within_the_deadline_is_answered_408_and_closed():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(b"GET /slow HTTP/1.1\r\n")
    # a byte now and then, as a slowloris sends them, starts no deadline again
    for _ in range(int(REQUEST_DEADLINE) - 1):
        clock.advance(1)
        channel.dataReceived(b"X")
    assert not transport.disconnecting
    clock.advance(1)
    assert transport.value().startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert transport.disconnecting
    assert resource.rendered == []
    [line] = logged(clock, log)
    assert '"GET /slow HTTP/1.1" 408 -' in line


def test_a_request_line_begun_and_not_ended_is_timed_out_too():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(b"G")
    clock.advance(REQUEST_DEADLINE)
    assert transport.value().startswith(b"HTTP/1.1 408 ")
    assert transport.disconnecting
    [line] = logged(clock, log)
    assert '"G  " 408 -' in line


def test_a_body_not_whole_within_the_deadline_is_timed_out():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
    clock.advance(REQUEST_DEADLINE)
    assert transport.value().startswith(b"HTTP/1.1 408 ")
    assert transport.disconnecting


def test_requests_sent_whole_are_never_timed_out():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(get(b"/1"))
    clock.advance(REQUEST_DEADLINE / 2)
    channel.dataReceived(get(b"/2"))
    clock.advance(REQUEST_DEADLINE)
    assert resource.rendered == [b"/1", b"/2"]
    assert b" 408 " not in transport.value()
    assert not transport.disconnecting


def test_an_idle_keep_alive_connection_waits_for_the_idle_timeout_not_the_deadline():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(get(b"/1"))
    clock.advance(REQUEST_DEADLINE * 2)
    assert not transport.disconnecting
    # Twisted's, as before
    clock.advance(channel.timeOut)
    assert transport.disconnecting
    assert b" 408 " not in transport.value()


#: Requests Twisted refuses with a 400 itself, and what their access line's request says.
REFUSED = {
    "no request line": (b"GARBAGE\r\n\r\n", '"GARBAGE  "'),
    "four words": (b"GET / HTTP/1.1 more\r\n\r\n", '"GET / HTTP/1.1 more"'),
    "a header with no colon": (b"GET /a HTTP/1.1\r\nno colon\r\n\r\n", '"GET /a HTTP/1.1"'),
    "a header name with a space": (b"GET /a HTTP/1.1\r\nX Y: z\r\n\r\n", '"GET /a HTTP/1.1"'),
    "a NUL in a header": (b"GET /a HTTP/1.1\r\nX: a\x00b\r\n\r\n", '"GET /a HTTP/1.1"'),
    "a negative length": (b"POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n", '"POST /a HTTP/1.1"'),
    "two lengths": (b"POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
                    '"POST /a HTTP/1.1"'),
    "an unknown coding": (b"POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", '"POST /a HTTP/1.1"'),
    "a bad chunk": (b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", '"POST /a HTTP/1.1"'),
    "too many headers": (b"GET /a HTTP/1.1\r\n" + b"X: y\r\n" * 501 + b"\r\n", '"GET /a HTTP/1.1"'),
    "too large a head": (b"GET /a HTTP/1.1\r\n" + (b"X: " + b"y" * 1000 + b"\r\n") * 17 + b"\r\n",
                         '"GET /a HTTP/1.1"'),
    "bytes to escape": (b'GET /"\xff\\ HTTP/1.1\r\nno colon\r\n\r\n', '"GET /\\"\\xff\\\\ HTTP/1.1"'),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_request_twisted_refuses_gets_its_access_line(name):
    sent, request = REFUSED[name]
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(sent)
    assert transport.value() == b"HTTP/1.1 400 Bad Request\r\n\r\n"
    assert transport.disconnecting
    [line] = logged(clock, log)
    assert line.startswith('"127.0.0.1" - - [')
    assert line.endswith(f' {request} 400 - "-" "-"'), line


def test_a_line_too_long_is_refused_with_a_400_and_logged_cut():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n")
    # LineReceiver alone closes the connection without a word
    assert transport.value() == b"HTTP/1.1 400 Bad Request\r\n\r\n"
    [line] = logged(clock, log)
    assert f'"GET /{"a" * (LOGGED_LINE - 5)} " 400 -' in line


def test_a_refused_requests_headers_as_far_as_read_are_in_its_line():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(b"GET /a HTTP/1.1\r\nUser-Agent: probe \"1\"\r\nReferer: r\r\nbad\r\n\r\n")
    [line] = logged(clock, log)
    request = Request(channel)
    request.method, request.uri, request.clientproto, request.code = b"GET", b"/a", b"HTTP/1.1", 400
    request.requestHeaders.setRawHeaders(b"user-agent", [b'probe "1"'])
    request.requestHeaders.setRawHeaders(b"referer", [b"r"])
    stamp = line.split("] ")[0].split(" - - ")[1] + "]"
    assert line == combinedLogFormatter(stamp, request)


def test_a_body_refused_as_too_large_is_logged_once():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1))
    channel.dataReceived(b"x" * 1000)
    assert transport.value().startswith(b"HTTP/1.1 413 ")
    # and the deadline does not cut the lingering short
    clock.advance(REQUEST_DEADLINE)
    assert b" 408 " not in transport.value()
    [line] = logged(clock, log)
    assert '"POST /up HTTP/1.1" 413 -' in line


def test_answered_requests_are_logged_as_before():
    channel, transport, resource, clock, log = connect()
    channel.dataReceived(get(b"/1") + get(b"/2"))
    clock.advance(0)
    lines = logged(clock, log)
    assert [line.split('"')[3] for line in lines] == ["GET /1 HTTP/1.1", "GET /2 HTTP/1.1"]
    assert all(" 200 " in line for line in lines)
