"""
Download badges under pypistats' limits, through C{twistd -n pypipins}: the stand-in enforces
5 requests a second and 30 a minute (429 beyond) as pypistats does, and the daemon keeps to
them with a queue: a burst of new packages is answered in time or says C{queued}, is counted
soon after, and provokes no 429.
"""

import json

import pytest
import pytest_twisted
import treq

from tests.helpers import until

pytestmark = pytest.mark.system

WAIT = 1.0


async def get(url: str):
    response = await treq.get(url, timeout=30)
    return response, json.loads(await response.content())


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_a_burst_of_new_packages(start_daemon, upstream, redis):
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url, "--downloads-wait", str(WAIT))
    from twisted.internet.defer import gatherResults, Deferred

    paths = [f"/d/numbered-{n}/badge.json?period=day" for n in range(1, 11)]
    paths += [f"/pypi/dd/numbered-{n}.json" for n in range(11, 21)]
    first = await gatherResults([Deferred.fromCoroutine(get(daemon.url(p))) for p in paths])
    messages = [document.get("message", document.get("value")) for _, document in first]
    counted = [m for m in messages if m.endswith("/day")]
    queued = [(response, m) for (response, _), m in zip(first, messages) if m == "queued"]
    # the budget's first second went out at once, the rest waits its turn
    assert len(counted) >= 5 and len(counted) + len(queued) == 20, messages
    for response, _ in queued:
        assert response.code == 200
        assert response.headers.getRawHeaders("cache-control") == ["public, max-age=30, s-maxage=30"]

    async def all_counted() -> bool:
        again = [await get(daemon.url(p)) for p in paths]
        return [d.get("message", d.get("value")) for _, d in again] == [f"{n}/day" for n in range(1, 21)]

    await until(all_counted, timeout=30, step=0.5)
    assert upstream.resource.refused == []
    stats = [r for r in upstream.requests if r.startswith("/stats/")]
    assert sorted(stats) == sorted(f"/stats/packages/numbered-{n}/recent" for n in range(1, 21))


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_requests_pypistats_counts_late_are_not_too_many(start_daemon, upstream, redis):
    """
    pypistats counts a request when it sees it, which for the first of a connection may be
    well after it was sent (0.6 s here, more than the budget's margin): the budget counts
    each request from its answer, so a burst still provokes no 429.
    """
    upstream.resource.stats_late_on_new_connection = 0.6
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url, "--downloads-wait", "0.2")
    from twisted.internet.defer import gatherResults, Deferred

    paths = [f"/d/numbered-{n}/badge.json?period=day" for n in range(1, 13)]
    await gatherResults([Deferred.fromCoroutine(get(daemon.url(p))) for p in paths])

    async def all_counted() -> bool:
        again = await gatherResults([Deferred.fromCoroutine(get(daemon.url(p))) for p in paths])
        return [d["message"] for _, d in again] == [f"{n}/day" for n in range(1, 13)]

    await until(all_counted, timeout=30, step=0.5)
    assert upstream.resource.refused == []


@pytest_twisted.ensureDeferred
async def test_no_counts_means_no_downloads_when_pypi_knows_the_package(start_daemon, upstream, redis):
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url)
    _, document = await get(daemon.url("/d/scripty/badge.json"))
    assert (document["message"], document["color"]) == ("0/month", "red")
    _, document = await get(daemon.url("/pypi/dw/scripty.json"))
    assert document["message"] == "0/week"
    _, document = await get(daemon.url("/d/no-such-package/badge.json"))
    assert document["message"] == "package not found"
    # pypistats was not asked for a package PyPI does not know
    assert "/stats/packages/no-such-package/recent" not in upstream.requests


@pytest_twisted.ensureDeferred
async def test_the_queue_in_metrics_and_healthz(start_daemon, upstream, redis):
    from tests.helpers import free_port

    metrics_port = free_port()
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url, "--downloads-wait", "0.2",
                          "--metrics-port", f"tcp:{metrics_port}:interface=127.0.0.1")
    from twisted.internet.defer import gatherResults, Deferred

    await gatherResults([Deferred.fromCoroutine(get(daemon.url(f"/d/numbered-{n}/badge.json")))
                         for n in range(1, 10)])
    _, health = await get(daemon.url("/healthz"))
    assert health["status"] == "ok" and 0 < health["queued"]["pypistats"] <= 4
    text = (await (await treq.get(f"http://127.0.0.1:{metrics_port}/metrics")).content()).decode()
    assert 'pypipins_queue_length{upstream="pypistats"}' in text
    assert 'pypipins_queue_wait_seconds_count{upstream="pypistats"}' in text
    await until(lambda: _queue_empty(daemon), timeout=10, step=0.2)


async def _queue_empty(daemon) -> bool:
    _, health = await get(daemon.url("/healthz"))
    return health["queued"]["pypistats"] == 0
