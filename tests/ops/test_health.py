"""
/healthz's decision and the upstreams' incidents, on a Clock; the route on the service.
"""

import json

import pytest
import pytest_twisted
from twisted.internet.task import Clock
from twisted.logger import globalLogPublisher

from pypipins.ops.health import FAILING_FOR, Health, UpstreamHealth, can_serve
from tests.helpers import until

pytestmark = pytest.mark.system


class Redis:
    connected = True


def test_can_serve_while_redis_or_pypi_is_there():
    assert can_serve(True, 0.0, FAILING_FOR)
    assert can_serve(True, 3600.0, FAILING_FOR)
    assert can_serve(False, 0.0, FAILING_FOR)
    assert can_serve(False, FAILING_FOR - 0.1, FAILING_FOR)
    assert not can_serve(False, FAILING_FOR, FAILING_FOR)


def report(health):
    code, body = health.report()
    return code, json.loads(body)


def test_unavailable_once_redis_is_down_and_pypi_failed_long_enough():
    clock, redis = Clock(), Redis()
    pypi, stats = UpstreamHealth("pypi", clock), UpstreamHealth("pypistats", clock)
    health = Health(redis, {"pypi": pypi, "pypistats": stats})
    assert report(health) == (200, {"status": "ok", "redis": "connected",
                                    "upstream": {"pypi": "ok", "pypistats": "ok"}})
    pypi.failed("refused")
    stats.failed("refused")
    clock.advance(FAILING_FOR)
    # Redis still has what was known
    assert report(health)[0] == 200
    redis.connected = False
    assert report(health) == (503, {"status": "unavailable", "redis": "down",
                                    "upstream": {"pypi": "failing", "pypistats": "failing"}})
    pypi.answered()
    assert report(health) == (200, {"status": "ok", "redis": "down",
                                    "upstream": {"pypi": "ok", "pypistats": "failing"}})


def test_pypistats_alone_failing_still_serves():
    clock, redis = Clock(), Redis()
    redis.connected = False
    stats = UpstreamHealth("pypistats", clock)
    health = Health(redis, {"pypi": UpstreamHealth("pypi", clock), "pypistats": stats})
    stats.failed("429")
    clock.advance(FAILING_FOR * 10)
    assert report(health)[0] == 200


def test_an_incident_is_logged_when_it_begins_and_ends():
    clock = Clock()
    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        pypi = UpstreamHealth("pypi", clock)
        pypi.answered()
        for n in range(50):
            pypi.failed(f"answered 500 ({n})")
            clock.advance(1)
        assert pypi.failing_for() == 50
        pypi.answered()
        pypi.answered()
        pypi.failed("timed out")
    finally:
        globalLogPublisher.removeObserver(events.append)
    ours = [e for e in events if e.get("name") == "pypi"]
    assert [(e["log_level"].name, e.get("reason"), e.get("failures")) for e in ours] == [
        ("warn", "answered 500 (0)", None),
        ("info", None, 50),
        ("warn", "timed out", None),
    ]
    assert ours[1]["seconds"] == 50


@pytest_twisted.ensureDeferred
async def test_healthz_on_the_service(service, upstream):
    response = await service.get("/healthz")
    assert response.code == 200
    assert response.headers.getRawHeaders("cache-control") == ["no-store"]
    assert response.headers.getRawHeaders("content-type") == ["application/json"]
    assert json.loads(response.body) == {"status": "ok", "redis": "connected",
                                         "upstream": {"pypi": "ok", "pypi-simple": "ok", "pypistats": "ok"},
                                         "queued": {"pypistats": 0}}
    upstream.resource.fail("nosuch", "500")
    await service.get("/v/nosuch/badge.svg")
    await until(lambda: service.get("/healthz").addCallback(
        lambda r: json.loads(r.body)["upstream"]["pypi"] == "failing"))


def test_fetcher_outcomes_as_health_and_metrics_count_them():
    """
    A 404 and a body over the request's limit are answers: the upstream is well. Anything
    else that is not a 200 is the upstream failing.
    """
    from prometheus_client import CollectorRegistry
    from treq.testing import StubTreq

    from pypipins.facts import NotFound, Unavailable
    from pypipins.ops.metrics import Metrics
    from pypipins.upstream.fetcher import Fetcher, TooLarge, whole
    from tests.standin import Upstream

    clock = Clock()
    upstream = Upstream()
    health = UpstreamHealth("pypi", clock)
    metrics = Metrics(CollectorRegistry())
    fetcher = Fetcher(StubTreq(upstream), clock, 10.0, "pypi", health, metrics)

    def outcome(url, limit=None):
        # StubTreq answers in memory: the fetch has ended when get() returns
        failures = []
        fetcher.fetch(url, whole, limit=limit).addErrback(failures.append)
        return failures[0].type if failures else "ok"

    assert outcome("http://pypi.test/pypi/klein/json") == "ok"
    assert outcome("http://pypi.test/pypi/no-such-package/json") is NotFound
    assert outcome("http://pypi.test/pypi/klein/json", limit=1000) is TooLarge
    assert health.failures == 0
    upstream.fail("klein", "500")
    assert outcome("http://pypi.test/pypi/klein/json") is Unavailable
    assert health.failures == 1
    counted = {
        outcome: metrics.registry.get_sample_value(
            "pypipins_upstream_requests_total", {"upstream": "pypi", "outcome": outcome})
        for outcome in ("ok", "not_found", "too_large", "error")
    }
    assert counted == {"ok": 1, "not_found": 1, "too_large": 1, "error": 1}
