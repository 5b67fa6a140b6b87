"""
A daemon told to stop (SIGTERM, as C{docker stop}, systemd and supervisor tell it) as users
start it: its port closes, the answers in flight are finished, then it exits.
"""

import signal

import pytest
import pytest_twisted
import treq
from twisted.internet.defer import Deferred, gatherResults
from twisted.web.client import ResponseNeverReceived

from tests.helpers import until

pytestmark = pytest.mark.system

#: Seconds each upstream answer waits: the badges are in flight when SIGTERM comes.
UPSTREAM_DELAY = 1.0


async def get(url: str):
    response = await treq.get(url)
    return response.code, await response.content()


@pytest_twisted.ensureDeferred
async def test_answers_in_flight_are_finished_before_the_daemon_exits(start_daemon, upstream, redis):
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url)
    code, _ = await get(daemon.url("/healthz"))
    assert code == 200
    upstream.resource.delay = UPSTREAM_DELAY
    # an SVG, and a PNG (which the raster workers draw once PyPI has answered)
    paths = ["/v/klein/badge.svg", "/license/treq/badge.png", "/v/six/badge.svg"]
    answers = gatherResults([Deferred.fromCoroutine(get(daemon.url(p))) for p in paths])
    await until(lambda: upstream.resource.in_flight == len(paths))
    daemon.process.send_signal(signal.SIGTERM)
    results = await answers
    assert [code for code, _ in results] == [200, 200, 200]
    assert b"<title>pypi: 24.8.0</title>" in results[0][1]
    assert results[1][1][:4] == b"\x89PNG"
    await until(lambda: daemon.process.poll() is not None)
    log = daemon.log.read_text()
    assert "Stopping: 3 answers in flight" in log
    assert "Traceback" not in log


@pytest_twisted.ensureDeferred
async def test_a_client_gone_does_not_hold_the_stop(start_daemon, upstream, redis):
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url)
    upstream.resource.delay = 30.0
    asked = treq.get(daemon.url("/v/klein/badge.svg"))
    await until(lambda: upstream.resource.in_flight == 1)
    asked.addErrback(lambda failure: failure.trap(ResponseNeverReceived))
    asked.cancel()
    # answered after the first client closed its connection, so after the daemon saw it go
    code, _ = await get(daemon.url("/healthz"))
    assert code == 200
    daemon.process.send_signal(signal.SIGTERM)
    await until(lambda: daemon.process.poll() is not None)
    assert "answers in flight" not in daemon.log.read_text()
