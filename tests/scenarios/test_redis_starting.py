"""
A daemon asked for a badge at once, while its first connection to Redis is still being made:
the request waits for it (briefly) rather than count Redis as failing.
"""

from typing import Any, List, cast

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import maybeDeferred
from twisted.logger import ILogObserver, globalLogPublisher
from twisted.protocols.portforward import ProxyFactory, ProxyServer

from tests.helpers import RedisServer, RunningUpstream, make_service, port_of

pytestmark = pytest.mark.system

#: Seconds the first connection to Redis takes: far longer than on loopback, far shorter than
#: the wait a first request is given.
CONNECTING = 0.5


class SlowStart(ProxyServer):
    """
    A connection to Redis that is accepted at once and relayed only after L{CONNECTING}
    seconds, as a Redis across a slow network, or through Sentinel, is reached.
    """

    def connectionMade(self) -> None:
        self.transport.pauseProducing()
        reactor.callLater(CONNECTING, ProxyServer.connectionMade, self)


class SlowStartFactory(ProxyFactory):
    protocol = SlowStart
    noisy = False


@pytest_twisted.ensureDeferred
async def test_a_request_at_once_waits_for_the_first_connection(
    upstream: RunningUpstream, redis: RedisServer
) -> None:
    events: List[Any] = []
    observer = cast(ILogObserver, events.append)
    factory = SlowStartFactory("127.0.0.1", redis.port)
    proxy = reactor.listenTCP(0, factory, interface="127.0.0.1")  # type: ignore[arg-type]  # Twisted's hints
    globalLogPublisher.addObserver(observer)
    running = make_service(upstream, f"redis://127.0.0.1:{port_of(proxy)}/0")
    try:
        response = await running.get("/v/klein/badge.json")
        assert response.code == 200
        assert running.redis.connected
    finally:
        globalLogPublisher.removeObserver(observer)
        await maybeDeferred(running.service.stopService)
        await maybeDeferred(proxy.stopListening)
    # kept in Redis, as by a daemon whose Redis answers, and nothing said of Redis failing
    fetched_at, record = redis.cached("pypipins:facts:klein")
    assert record["version"]
    assert [e for e in events if e.get("name") == "Redis"] == []
