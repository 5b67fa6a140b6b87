"""
The fetcher against real servers on loopback, over TCP and TLS as to PyPI: an answer that is
not wanted (too slow, too big, an error's body that never ends) costs its connection, closed at
once, and not one more byte read; not a connection kept open reading up to the size limit
after the badge has said C{unavailable}.
"""

import json
from typing import Iterator, List, Optional

import pytest
import pytest_twisted
from treq.client import HTTPClient
from twisted.internet import reactor
from twisted.internet.interfaces import IReactorSSL
from twisted.internet.protocol import Protocol, ServerFactory, connectionDone
from twisted.internet.ssl import Certificate, PrivateCertificate
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure
from twisted.web.client import Agent, BrowserLikePolicyForHTTPS, HTTPConnectionPool

from pypipins.facts import NotFound, Unavailable
from pypipins.upstream.fetcher import DRAIN_SECONDS, Fetcher, TooLarge, whole
from tests.helpers import loopback_certificate, make_service, port_of, until

pytestmark = pytest.mark.system

#: Seconds the fetcher gives the dripping server.
TIMEOUT = 0.5

#: Seconds a connection may take to be seen closed by the server: generous, as the machine
#: may be busy; a connection kept open would take the whole body, hours at the drip's rate.
CLOSED_WITHIN = 10.0


class Dripping(Protocol):
    """
    Answers any request with C{head}, then C{chunk} bytes every C{every} seconds, forever.
    """

    def __init__(self, server: "DrippingServer") -> None:
        self.server = server
        self.received = b""
        self.dripping: Optional[LoopingCall] = None

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        if self.dripping is None and b"\r\n\r\n" in self.received:
            assert self.transport is not None
            self.transport.write(self.server.head)
            self.dripping = LoopingCall(self.drip)
            self.dripping.start(self.server.every)

    def drip(self) -> None:
        assert self.transport is not None
        self.transport.write(b" " * self.server.chunk)
        self.server.sent += self.server.chunk

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self.dripping is not None and self.dripping.running:
            self.dripping.stop()
        self.server.closed = True


class DrippingServer(ServerFactory):
    def __init__(self, status: bytes = b"200 OK", length: Optional[int] = 10_000_000,
                 chunk: int = 100, every: float = 0.05) -> None:
        self.head = b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
        self.head += b"\r\n" if length is None else b"Content-Length: %d\r\n\r\n" % length
        self.chunk, self.every = chunk, every
        self.sent = 0
        self.closed = False

    def buildProtocol(self, addr: object) -> Dripping:
        return Dripping(self)


def _certificate() -> PrivateCertificate:
    return PrivateCertificate.loadPEM(b"".join(loopback_certificate()))


class Served:
    """
    A dripping server listening on loopback, and a fetcher of its URL.
    """

    def __init__(self, server: DrippingServer, tls: bool) -> None:
        self.server = server
        self.pool = HTTPConnectionPool(reactor)
        if tls:
            certificate = _certificate()
            self.port = IReactorSSL(reactor).listenSSL(0, server, certificate.options(), interface="127.0.0.1")
            agent = Agent(reactor, BrowserLikePolicyForHTTPS(Certificate.loadPEM(certificate.dumpPEM())),
                          pool=self.pool)
        else:
            self.port = reactor.listenTCP(0, server, interface="127.0.0.1")
            agent = Agent(reactor, pool=self.pool)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port_of(self.port)}/pypi/x/json"
        self.fetcher = Fetcher(HTTPClient(agent), reactor, TIMEOUT)

    def stop(self) -> None:
        pytest_twisted.blockon(self.pool.closeCachedConnections())
        pytest_twisted.blockon(self.port.stopListening())


@pytest.fixture
def serve() -> Iterator:
    made: List[Served] = []

    def serve(server: DrippingServer, tls: bool) -> Served:
        made.append(Served(server, tls))
        return made[-1]

    yield serve
    for served in made:
        served.stop()


async def failure_of(d) -> Failure:
    try:
        await d
    except Exception:
        return Failure()
    raise AssertionError("it did not fail")


@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
@pytest_twisted.ensureDeferred
async def test_a_dripping_body_is_cut_off_when_the_time_runs_out(serve, tls):
    served = serve(DrippingServer(), tls)
    failure = await failure_of(served.fetcher.fetch(served.url, whole))
    assert failure.check(Unavailable) and "did not answer within" in str(failure.value)
    sent = served.server.sent
    assert sent > 0  # it was reading the body when the time ran out
    await until(lambda: served.server.closed, timeout=CLOSED_WITHIN)
    # once the badge says unavailable, no more than a drip or two: not the 10 MB it offered
    assert served.server.sent - sent < 10 * served.server.chunk


@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
@pytest_twisted.ensureDeferred
async def test_a_body_said_to_be_over_the_limit_is_not_read(serve, tls):
    served = serve(DrippingServer(length=10_000_000), tls)
    failure = await failure_of(served.fetcher.fetch(served.url, whole, limit=1_000_000))
    assert failure.check(TooLarge)
    await until(lambda: served.server.closed, timeout=CLOSED_WITHIN)


@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
@pytest_twisted.ensureDeferred
async def test_a_body_that_goes_over_the_limit_is_cut_off(serve, tls):
    served = serve(DrippingServer(length=None, chunk=64 * 1024, every=0.001), tls)
    failure = await failure_of(served.fetcher.fetch(served.url, whole, limit=1_000_000))
    assert failure.check(TooLarge)
    await until(lambda: served.server.closed, timeout=CLOSED_WITHIN)


@pytest.mark.parametrize("status, error", [(b"404 Not Found", NotFound),
                                           (b"500 Internal Server Error", Unavailable)])
@pytest_twisted.ensureDeferred
async def test_an_error_body_that_never_ends_is_dropped_in_time(serve, status, error):
    """
    An error's body is drained for its connection to be used again, but not for ever: the
    answer is given at once, the connection closed after L{DRAIN_SECONDS}.
    """
    served = serve(DrippingServer(status=status), False)
    failure = await failure_of(served.fetcher.fetch(served.url, whole))
    assert failure.check(error)
    assert not served.server.closed
    await until(lambda: served.server.closed, timeout=DRAIN_SECONDS + CLOSED_WITHIN)


@pytest_twisted.ensureDeferred
async def test_the_daemon_never_has_more_in_flight_to_an_upstream_than_its_cap(upstream, redis):
    """
    Twenty made-up names at once, PyPI answering each in a fifth of a second: three requests
    in flight at most (PyPI's JSON and Simple APIs, one origin, share them), the rest wait
    their turn, and every badge says what PyPI said.
    """
    from twisted.internet.defer import gatherResults

    upstream.resource.delay = 0.2
    running = make_service(upstream, redis.url, "--upstream-concurrency", "3",
                           "--upstream-rate", "1000")
    try:
        answers = await gatherResults([
            running.get(f"/{kind}/made-up-{n}/badge.json")
            for n in range(10) for kind in ("v", "project-status")
        ])
    finally:
        await running.service.stopService()
    assert {json.loads(a.body)["message"] for a in answers} == {"package not found"}
    assert len(upstream.requests) == 20
    assert upstream.resource.peak_in_flight == 3


@pytest_twisted.ensureDeferred
async def test_the_daemon_takes_no_document_from_another_origin(upstream, redis):
    """
    PyPI's document, its Simple API page and pypistats' counts answer 302 to another origin
    (the stand-in as localhost, which would serve them): not followed, the badges say
    unavailable, and nothing was asked of the other origin.
    """
    upstream.resource.stats_limits = None
    upstream.resource.fail("klein", "redirect")
    upstream.resource.fail("prov-github", "redirect")
    running = make_service(upstream, redis.url)
    try:
        said = [json.loads((await running.get(f"/{path}/badge.json")).body)["message"]
                for path in ("v/klein", "project-status/prov-github")]
    finally:
        await running.service.stopService()
    assert said == ["unavailable", "unavailable"]
    assert upstream.resource.hosts == ["127.0.0.1"] * 2
