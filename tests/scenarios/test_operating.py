"""
What an operator sees of the daemon (C{twistd -n pypipins}, with a real Redis and the upstream
stand-in): /healthz, /metrics on its own port, the access log, and upstream incidents logged
once.
"""

import json
import re

import pytest
import pytest_twisted
import treq

from tests.helpers import free_port, sample, until

pytestmark = pytest.mark.system


async def get(url, **kwargs):
    response = await treq.get(url, **kwargs)
    return response.code, await response.content()


async def redis_connected(daemon) -> None:
    """
    Until the daemon's Redis connection is up: before it, lookups go to memory only, and the
    Redis counters would depend on how fast it connected.
    """
    async def connected():
        _, body = await get(daemon.url("/healthz"))
        return json.loads(body)["redis"] == "connected"

    await until(connected)


def daemon_args(upstream, redis, *extra):
    return ("--redis", redis.url, "--pypi-url", upstream.pypi_url,
            "--stats-url", upstream.stats_url, *extra)


@pytest_twisted.ensureDeferred
async def test_metrics_on_their_own_port(start_daemon, upstream, redis):
    metrics_port = free_port()
    daemon = start_daemon(*daemon_args(upstream, redis, "--metrics-port",
                                       f"tcp:{metrics_port}:interface=127.0.0.1"))
    await redis_connected(daemon)
    for path in ("/license/klein/badge.svg", "/license/klein/badge.svg", "/d/klein/badge.json",
                 "/nope/klein/badge.svg"):
        await get(daemon.url(path))
    await get(daemon.url("/license/klein/badge.svg"), headers={"If-None-Match": "*"})
    code, _ = await get(daemon.url("/metrics"))
    assert code == 404
    code, body = await get(f"http://127.0.0.1:{metrics_port}/metrics")
    assert code == 200
    metrics = body.decode()
    assert sample(metrics, "pypipins_requests_total", kind="license", format="svg", status="200") == 2
    assert sample(metrics, "pypipins_requests_total", kind="license", format="svg", status="304") == 1
    assert sample(metrics, "pypipins_requests_total", kind="d", format="json", status="200") == 1
    assert sample(metrics, "pypipins_requests_total", kind="other", format="other", status="404") == 1
    assert sample(metrics, "pypipins_cache_total", level="ready", result="hit") == 2
    assert sample(metrics, "pypipins_cache_total", level="ready", result="miss") == 2
    assert sample(metrics, "pypipins_cache_total", level="redis", result="miss") == 2
    assert sample(metrics, "pypipins_upstream_requests_total", upstream="pypi", outcome="ok") == 1
    assert sample(metrics, "pypipins_upstream_requests_total", upstream="pypistats", outcome="ok") == 1
    assert sample(metrics, "pypipins_upstream_seconds_count", upstream="pypi") == 1
    assert sample(metrics, "pypipins_upstream_seconds_bucket", upstream="pypi", le="10.0") == 1
    assert sample(metrics, "pypipins_stale_answers_total") == 0
    code, _ = await get(f"http://127.0.0.1:{metrics_port}/")
    assert code == 404
    assert "Traceback" not in daemon.stop()


@pytest_twisted.ensureDeferred
async def test_one_access_log_line_per_request(start_daemon, upstream, redis, tmp_path):
    access_log = tmp_path / "access.log"
    daemon = start_daemon(*daemon_args(upstream, redis, "--access-log", str(access_log)))
    paths = ["/v/klein/badge.svg", "/v/klein/badge.svg", "/?package=klein", "/healthz",
             "/nope/klein/badge.svg"]
    for path in paths:
        await get(daemon.url(path), headers={"User-Agent": "op-test/1", "Referer": "http://r.test/"})
    log = daemon.stop()
    lines = access_log.read_text().splitlines()
    combined = re.compile(
        r'"127\.0\.0\.1" - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] '
        r'"GET (\S+) HTTP/1\.1" (\d{3}) (\d+|-) "http://r\.test/" "op-test/1"'
    )
    assert [combined.fullmatch(line).group(1, 2) for line in lines] == [
        ("/v/klein/badge.svg", "200"), ("/v/klein/badge.svg", "200"),
        ("/?package=klein", "200"), ("/healthz", "200"), ("/nope/klein/badge.svg", "404")]
    # nor a line per upstream connection in the daemon's own log
    assert "_HTTP11ClientFactory" not in log


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_access_lines_go_to_the_daemon_log_by_default(start_daemon, upstream, redis):
    metrics_port = free_port()
    daemon = start_daemon(*daemon_args(upstream, redis, "--metrics-port",
                                       f"tcp:{metrics_port}:interface=127.0.0.1"))
    for n in range(3):
        await get(daemon.url("/wheel/klein/badge.svg"), headers={"User-Agent": f'a "quoted" agent {n}'})
    # the metrics' site leaves its lines to twisted.web, line by line: the format to keep
    await get(f"http://127.0.0.1:{metrics_port}/metrics", headers={"User-Agent": 'a "quoted" agent'})
    log = daemon.stop()
    line = re.compile(
        r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} \[twisted\.python\.log#info\] '
        r'"127\.0\.0\.1" - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] '
        r'"GET (\S+) HTTP/1\.1" 200 \d+ "-" "a \\"quoted\\" agent ?(\d?)"'
    )
    logged = [found.group(1, 2) for found in map(line.fullmatch, log.splitlines()) if found]
    assert logged == [("/wheel/klein/badge.svg", "0"), ("/wheel/klein/badge.svg", "1"),
                      ("/wheel/klein/badge.svg", "2"), ("/metrics", "")]
    assert "_HTTP11ClientFactory" not in log


@pytest_twisted.ensureDeferred
async def test_upstream_failures_are_logged_once_per_incident(start_daemon, upstream, redis):
    daemon = start_daemon(*daemon_args(upstream, redis))
    upstream.resource.fail("*", "500")
    for n in range(12):
        code, body = await get(daemon.url(f"/v/failing-{n}/badge.json"))
        assert json.loads(body)["message"] == "unavailable"
    code, body = await get(daemon.url("/healthz"))
    assert (code, json.loads(body)["upstream"]["pypi"]) == (200, "failing")
    upstream.resource.recover("*")
    code, body = await get(daemon.url("/v/klein/badge.json"))
    assert json.loads(body)["message"] == "24.8.0"
    log = daemon.stop()
    assert log.count("pypi failing") == 1
    assert "answered 500" in log
    assert log.count("pypi answering again after 12 failed requests") == 1
    assert "failing-3" not in log.replace('"GET /v/failing-3/badge.json', "")


async def healthz(daemon):
    code, body = await get(daemon.url("/healthz"))
    return code, json.loads(body)


@pytest_twisted.ensureDeferred
async def test_healthz_says_503_when_it_cannot_serve(start_daemon, upstream, redis):
    daemon = start_daemon(*daemon_args(upstream, redis, "--unhealthy-after", "0.5"))

    async def says(code, redis_state):
        return await healthz(daemon) == (code, {"status": "ok" if code == 200 else "unavailable",
                                                "redis": redis_state,
                                                "upstream": {"pypi": "ok", "pypi-simple": "ok", "pypistats": "ok"},
                                                "queued": {"pypistats": 0}})

    await until(lambda: says(200, "connected"))
    upstream.resource.fail("*", "500")
    redis.kill()
    await until(lambda: says(200, "down"))
    # Redis away and PyPI failing, but not yet for long
    await get(daemon.url("/v/gone/badge.json"))
    assert (await healthz(daemon))[0] == 200
    await until(lambda: _is_503(daemon), timeout=10)
    assert await healthz(daemon) == (503, {"status": "unavailable", "redis": "down",
                                           "upstream": {"pypi": "failing", "pypi-simple": "ok", "pypistats": "ok"},
                                           "queued": {"pypistats": 0}})
    # PyPI answering again, it can serve again
    upstream.resource.recover("*")
    await get(daemon.url("/v/klein/badge.json"))
    assert await says(200, "down")
    assert "Traceback" not in daemon.stop()


async def _is_503(daemon):
    return (await healthz(daemon))[0] == 503
