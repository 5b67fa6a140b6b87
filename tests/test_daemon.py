"""
The daemon as users start it: C{twistd -n pypipins}, with a real Redis and the upstream stand-in.
"""

import json
import subprocess

import pytest
import pytest_twisted
import treq
from twisted.internet.defer import Deferred, gatherResults

from tests.conftest import TWISTD, until


async def get(url):
    response = await treq.get(url)
    return response.code, await response.content()


def test_twistd_lists_the_plugin(tmp_path):
    out = subprocess.run([TWISTD, "--help"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "pypipins" in out.stdout
    out = subprocess.run([TWISTD, "pypipins", "--help"], cwd=tmp_path, capture_output=True, text=True,
                         check=True)
    for option in ("--port", "--redis", "--pypi-url", "--stats-url", "--cache-ttl", "--metrics-port",
                   "--access-log", "--public-url", "--unhealthy-after", "--index"):
        assert option in out.stdout
    assert "tcp:8888:interface=127.0.0.1" in out.stdout


@pytest.mark.parametrize(
    "args, says",
    [(["--redis", "http://x"], "--redis: 'http://x' is neither redis:// nor unix://"),
     (["--redis", "redis://h/x"], "database 'x'"),
     (["--cache-ttl", "0"], "--cache-ttl must be positive"),
     (["--pypi-url", "ftp://x"], "--pypi-url must be an http:// or https:// URL"),
     (["--shields-url", "x"], "--shields-url must be an http:// or https:// URL"),
     (["--public-url", "badges.example.org"], "--public-url must be an http:// or https:// URL"),
     (["--unhealthy-after", "-1"], "--unhealthy-after must be positive"),
     (["--metrics-port", "tcp:8888:interface=127.0.0.1"], "--metrics-port must not be the badge port"),
     # the URL, which holds a password, is not repeated
     (["--index", "corp=https://alice:s3cr3t@x.test/simple"], "credentials go in auth=env"),
     (["--index", "corp=https://x.test/simple,auth=env:PYPIPINS_NO_SUCH_VARIABLE"],
      "the environment variable PYPIPINS_NO_SUCH_VARIABLE is not set")],
)
def test_bad_options_are_refused(tmp_path, args, says):
    # not the exit status: on a usage error twistd exits 1 under Twisted 26.10, 0 under 25.5 (PyPy)
    out = subprocess.run([TWISTD, "-n", "pypipins", *args], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert says in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    assert "s3cr3t" not in out.stdout + out.stderr
    assert not (tmp_path / "twistd.log").exists()


@pytest_twisted.ensureDeferred
async def test_daemon_serves_badges_through_redis(start_daemon, upstream, redis):
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url)
    code, body = await get(daemon.url("/license/klein/badge.svg"))
    assert code == 200
    assert b"<title>license: MIT</title>" in body
    kinds = ["v", "version", "wheel", "egg", "format", "license", "py_versions", "implementation", "status"]
    results = await gatherResults([
        Deferred.fromCoroutine(get(daemon.url(f"/{k}/Klein/badge.json"))) for k in kinds
    ])
    assert [json.loads(body)["label"] for _, body in results] == [
        "pypi", "pypi", "wheel", "egg", "format", "license", "python", "implementation", "status"]
    code, body = await get(daemon.url("/d/klein/badge.json?period=week"))
    assert json.loads(body)["message"] == "15k/week"
    assert upstream.requests == ["/pypi/klein/json", "/stats/packages/klein/recent"]
    assert redis.cached("pypipins:facts:klein")[1]["version"] == "24.8.0"
    log = daemon.stop()
    assert "Traceback" not in log


@pytest_twisted.ensureDeferred
async def test_daemon_rides_out_redis_going_away(start_daemon, upstream, redis):
    """
    Redis down at start, then up, then killed and started again while requests keep coming:
    every request gets its badge, Redis is used again when it returns, and the log has a
    warning rather than a traceback per request.
    """
    redis.kill()
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url)
    for name in ("klein", "attrs", "treq"):
        code, body = await get(daemon.url(f"/v/{name}/badge.json"))
        assert (code, json.loads(body)["color"]) == (200, "brightgreen")
    redis.start()

    attempts = iter(range(1000))

    async def cached_in_redis(name):
        # a new label each time: past the responses kept ready, to the lookup (a parameter
        # no badge reads would not do: it makes no other response)
        code, body = await get(daemon.url(f"/status/{name}/badge.json?label={next(attempts)}"))
        assert code == 200
        return redis.command("EXISTS", f"pypipins:facts:{name}") == "1"

    await until(lambda: cached_in_redis("twisted"), timeout=30)

    answers = []
    running = [True]

    async def keep_asking(worker):
        paths = [f"/{kind}/{name}/badge.json" for kind in ("license", "wheel", "py_versions")
                 for name in ("klein", "attrs", "twisted", "hyperlink", "treq")]
        i = worker
        while running[0]:
            code, body = await get(daemon.url(paths[i % len(paths)]))
            answers.append((code, json.loads(body)["message"]))
            i += 1

    workers = [Deferred.fromCoroutine(keep_asking(w)) for w in range(8)]
    await sleep(0.5)
    redis.kill()
    await sleep(1.5)
    redis.start()
    await until(lambda: cached_in_redis("pytest-twisted"), timeout=30)
    await sleep(0.5)
    running[0] = False
    await gatherResults(workers)
    assert len(answers) > 100
    assert {code for code, _ in answers} == {200}
    assert not [message for _, message in answers if message in ("unavailable", "package not found")]
    log = daemon.stop()
    assert "Traceback" not in log
    assert 1 <= log.count("Redis failing") <= 3


def sleep(seconds):
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    return deferLater(reactor, seconds, lambda: None)


@pytest_twisted.ensureDeferred
async def test_daemon_serves_issue_7s_badges_and_shields_routes(start_daemon, upstream, redis):
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url)
    paths = {
        "/pre/beta-ahead/badge.json": ("pre-release", "1.5.0b2"),
        "/v/beta-ahead/badge.json?version=1.3.0": ("pypi", "1.3.0"),
        "/types/typed-django/badge.json": ("types", "typed"),
        "/requires/klein/badge.json": ("requires python", ">=3.7"),
        "/frameworks/typed-django/badge.json?framework=django": ("django versions", "3.2, 4.2, 5.0, 5.1"),
        "/pypi/v/beta-ahead.json": ("pypi", "v1.4.2"),
        "/pypi/pyversions/beta-ahead.json": ("python", "3.12 | 3.13"),
        "/pypi/dm/klein.json": ("downloads", "61k/month"),
    }
    said = {}
    for path in paths:
        code, body = await get(daemon.url(path))
        assert code == 200
        said[path] = (json.loads(body)["label"], json.loads(body)["message"])
    assert said == paths
    code, body = await get(daemon.url("/pypi/v/beta-ahead.svg"))
    assert b"<title>pypi: v1.4.2</title>" in body
