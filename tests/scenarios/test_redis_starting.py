"""
A daemon asked for a badge at once, while its first connection to Redis is still being made:
the request waits for it (briefly) rather than count Redis as failing.
"""

from typing import Any, List

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.logger import globalLogPublisher
from twisted.protocols.portforward import ProxyFactory, ProxyServer

from tests.helpers import RedisServer, RunningUpstream, make_service

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
    proxy = reactor.listenTCP(0, SlowStartFactory("127.0.0.1", redis.port), interface="127.0.0.1")
    globalLogPublisher.addObserver(events.append)
    running = make_service(upstream, f"redis://127.0.0.1:{proxy.getHost().port}/0")
    try:
        response = await running.get("/v/klein/badge.json")
        assert response.code == 200
        assert running.redis.connected
    finally:
        globalLogPublisher.removeObserver(events.append)
        await running.service.stopService()
        await proxy.stopListening()
    # kept in Redis, as by a daemon whose Redis answers, and nothing said of Redis failing
    fetched_at, record = redis.cached("pypipins:facts:klein")
    assert record["version"]
    assert [e for e in events if e.get("name") == "Redis"] == []
