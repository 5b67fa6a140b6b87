"""
The daemon as users start it: C{twistd -n pypipins}, with a real Redis and the upstream stand-in.
"""

import io
import json
import os
import platform
import signal
import subprocess
from urllib.parse import quote
from pathlib import Path

import pytest
import pytest_twisted
import treq
from PIL import Image
from twisted.internet import reactor
from twisted.internet.defer import Deferred, gatherResults
from twisted.internet.task import deferLater

from tests.helpers import TWISTD, RedisServer, alive, children, free_port, make_service, until
from tests.hostile_logos import attack
from tests.helpers import sample

pytestmark = pytest.mark.system


async def get(url):
    response = await treq.get(url)
    return response.code, await response.content()


def test_twistd_lists_the_plugin(tmp_path):
    out = subprocess.run([TWISTD, "--help"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "pypipins" in out.stdout
    out = subprocess.run([TWISTD, "pypipins", "--help"], cwd=tmp_path, capture_output=True, text=True,
                         check=True)
    for option in ("--port", "--redis", "--pypi-url", "--simple-url", "--stats-url", "--cache-ttl", "--metrics-port",
                   "--access-log", "--public-url", "--unhealthy-after", "--index",
                   "--raster-workers", "--raster-timeout", "--raster-queue"):
        assert option in out.stdout
    assert "tcp:8888:interface=127.0.0.1" in out.stdout


def test_bad_options_are_refused(tmp_path):
    """
    Through twistd once: the refusal is printed without a traceback, nor the password in the
    URL, and nothing is started (no log). Every refusal's wording: tests/test_tap.py.
    """
    args = ["--index", "corp=https://alice:s3cr3t@x.test/simple"]
    # not the exit status: on a usage error twistd exits 1 under Twisted 26.10, 0 under 25.5 (PyPy)
    out = subprocess.run([TWISTD, "-n", "pypipins", *args], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert "credentials go in auth=env" in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    assert "s3cr3t" not in out.stdout + out.stderr
    assert not (tmp_path / "twistd.log").exists()


def test_a_redis_password_is_never_printed(tmp_path):
    """
    The issue's URL, whose password holds a '/': twistd's refusal explains it, and shows no
    part of the password.
    """
    out = subprocess.run([TWISTD, "-n", "pypipins", "--redis", "redis://:p/ss6S3cret@127.0.0.1:16380/0"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "%2F" in out.stdout + out.stderr
    assert "S3cret" not in out.stdout + out.stderr


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_the_redis_password_from_a_file_is_not_in_the_process_list(start_daemon, upstream, tmp_path):
    """
    A password with '/', '#' and '?' in a file: the daemon uses it, and it is neither in its
    command line nor in its log, Redis answering or refusing it.
    """
    password = "p/ss#6S3cret?"
    server = RedisServer(tmp_path, "--requirepass", password)
    server.start()
    try:
        secret = tmp_path / "redis-password"
        secret.write_text(password + "\n")
        daemon = start_daemon("--redis", server.url, "--redis-password-file", str(secret),
                              "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url)

        kinds = iter(["license", "v", "wheel", "format", "status", "implementation"] * 20)

        async def stored():
            # a kind not asked before: not kept ready, the record is read again
            code, body = await get(daemon.url(f"/{next(kinds)}/klein/badge.svg"))
            assert code == 200
            asked = subprocess.run(["redis-cli", "-p", str(server.port), "--no-auth-warning", "-a", password,
                                    "EXISTS", "pypipins:facts:klein"], capture_output=True, text=True)
            return asked.stdout.strip() == "1"

        await until(stored)  # once connected: the password was taken
        assert b"S3cret" not in Path(f"/proc/{daemon.process.pid}/cmdline").read_bytes()
        # Redis gone, and back with another password: failures logged, never the password
        server.kill()
        await get(daemon.url("/license/attrs/badge.svg"))
        server.args = ("--requirepass", "another")
        server.start()
        await deferLater(reactor, 2.0, lambda: None)
        await get(daemon.url("/license/attrs/badge.svg"))
        log = daemon.stop()
        assert "Redis failing" in log and "S3cret" not in log
    finally:
        server.kill()


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


@pytest.mark.slow
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


#: A label that makes resvg 0.2 (PyPy's) panic and abort: a right-to-left override, then text.
CRASHING_LABEL = "%E2%80%AEgpj.exe"


@pytest_twisted.ensureDeferred
async def test_a_raster_that_cannot_be_drawn_never_takes_the_daemon_down(start_daemon, upstream, redis):
    """
    Issue 12: this request made C{twistd -n pypipins} on PyPy exit with status 134. Rasters
    are drawn by worker processes: on PyPy the worker dies, the answer is a 422 that gives the
    SVG URL, and asking again reaches no worker; CPython's resvg draws it.
    """
    metrics_port = free_port()
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url,
                          "--metrics-port", f"tcp:{metrics_port}:interface=127.0.0.1")
    # the workers start with the daemon, before any raster is asked for (twistd opens the
    # port first, in privilegedStartService)
    await until(lambda: len(children(daemon.process.pid)) == 2)
    workers = children(daemon.process.pid)
    path = f"/license/klein/badge.png?label={CRASHING_LABEL}&style=flat-square"
    for _ in range(2):
        response = await treq.get(daemon.url(path))
        body = await response.content()
        if platform.python_implementation() == "PyPy":
            assert response.code == 422
            assert response.headers.getRawHeaders("content-type") == ["text/plain;charset=utf-8"]
            assert response.headers.getRawHeaders("cache-control") == ["public, max-age=60"]
            assert body == (b"This badge cannot be drawn as PNG. As SVG it can: "
                            b"/license/klein/badge.svg?label=%E2%80%AEgpj.exe&style=flat-square\n")
        else:
            assert response.code == 200
            assert Image.open(io.BytesIO(body)).format == "PNG"
        assert daemon.process.poll() is None
    # the SVG URL given works, and so does the next raster
    code, body = await get(daemon.url(f"/license/klein/badge.svg?label={CRASHING_LABEL}&style=flat-square"))
    assert (code, "<title>\u202egpj.exe: MIT</title>" in body.decode()) == (200, True)
    code, body = await get(daemon.url("/license/klein/badge.png"))
    assert (code, body[:4]) == (200, b"\x89PNG")
    code, body = await get(f"http://127.0.0.1:{metrics_port}/metrics")
    metrics = body.decode()
    if platform.python_implementation() == "PyPy":
        assert sample(metrics, "pypipins_raster_drawings_total", outcome="worker_died") == 1
        assert sample(metrics, "pypipins_raster_worker_restarts_total") == 1
        # asked again: answered from the failure remembered, not by a worker
        assert sample(metrics, "pypipins_raster_failures_remembered_total") == 1
        assert sample(metrics, "pypipins_requests_total", kind="license", format="png", status="422") == 2
        assert sample(metrics, "pypipins_raster_drawings_total", outcome="ok") == 1
        assert len(set(children(daemon.process.pid)) - set(workers)) == 1
    else:
        assert sample(metrics, "pypipins_raster_drawings_total", outcome="worker_died") == 0
        assert sample(metrics, "pypipins_raster_drawings_total", outcome="ok") == 2
        assert children(daemon.process.pid) == workers
    workers = children(daemon.process.pid)
    log = daemon.stop()
    assert "Traceback" not in log
    # the workers stop with the daemon
    assert [pid for pid in workers if alive(pid)] == []
    if platform.python_implementation() == "PyPy":
        # logged once, the client's text as repr()
        assert log.count("cannot be drawn") == 1
        assert "'\\u202egpj.exe: MIT'" in log


@pytest.mark.parametrize("plugin", ["pypipins", "shields"])
def test_bad_raster_options_are_refused(tmp_path, plugin):
    args, says = ["--raster-workers", "0"], "--raster-workers must be at least 1"
    out = subprocess.run([TWISTD, "-n", plugin, *args], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert says in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr


@pytest_twisted.ensureDeferred
async def test_raster_workers_end_with_a_daemon_killed(start_daemon, upstream, redis):
    """
    SIGKILL leaves the daemon no time to stop its workers: Linux ends them (one stuck in a
    drawing would never see the end of its input).
    """
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url, "--raster-workers", "1")
    code, body = await get(daemon.url("/license/klein/badge.png"))  # the worker is ready
    assert (code, body[:4]) == (200, b"\x89PNG")
    [worker] = children(daemon.process.pid)
    os.kill(worker, signal.SIGSTOP)  # as if stuck: it reads nothing more
    daemon.process.kill()
    daemon.process.wait()
    await until(lambda: not alive(worker), timeout=10)


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_rasters_of_logos_that_would_hold_the_workers_never_reach_them(start_daemon, upstream, redis):
    """
    Issue 24: many connections asking for rasters whose logo is an SVG filter over millions
    of user units (resvg: 17 s each) held both workers to their time limit, killed and
    started again, and every other raster waited or was refused. Such a logo is answered
    422 at once, pointing to the SVG, which has the logo; the workers never see it, and the
    rasters asked meanwhile are drawn.
    """
    metrics_port = free_port()
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url,
                          "--metrics-port", f"tcp:{metrics_port}:interface=127.0.0.1")
    await until(lambda: len(children(daemon.process.pid)) == 2)
    workers = children(daemon.process.pid)
    # ';' written %3B: Twisted's query parsing splits at a bare one
    attacks = [get(daemon.url(f"/badge/atk-{n}-blue.png?logo={quote(attack(n), safe='')}")) for n in range(12)]
    plain = [get(daemon.url(f"/badge/ok-{n}-green.png")) for n in range(4)]
    answers = await gatherResults([Deferred.fromCoroutine(a) for a in attacks + plain])
    for n, (code, body) in enumerate(answers[:12]):
        assert code == 422
        assert body.startswith(
            f"This badge cannot be drawn as PNG. As SVG it can: /badge/atk-{n}-blue.svg?logo=".encode())
    assert [(code, body[:4]) for code, body in answers[12:]] == [(200, b"\x89PNG")] * 4
    code, body = await get(daemon.url(f"/badge/atk-0-blue.svg?logo={quote(attack(0), safe='')}"))
    assert code == 200 and b"<image" in body
    code, body = await get(f"http://127.0.0.1:{metrics_port}/metrics")
    metrics = body.decode()
    assert sample(metrics, "pypipins_raster_drawings_total", outcome="refused") == 12
    assert sample(metrics, "pypipins_raster_drawings_total", outcome="timed_out") == 0
    assert children(daemon.process.pid) == workers
    assert "Traceback" not in daemon.stop()


@pytest_twisted.ensureDeferred
async def test_raster_workers_get_none_of_the_daemons_secrets(start_daemon, upstream, redis):
    """
    Issue 24: an index's credentials, read from a variable, were readable in each worker's
    /proc/<pid>/environ. The workers keep what runs Python, and nothing else.
    """
    env = dict(os.environ, PYPIPINS_TEST_INDEX_TOKEN="alice:s3cret-index-token",
               PYPIPINS_TEST_REDIS_PASSWORD="s3cret-redis-password")
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url,
                          "--index", "corp=http://127.0.0.1:1/simple,auth=env:PYPIPINS_TEST_INDEX_TOKEN",
                          env=env)
    await until(lambda: len(children(daemon.process.pid)) == 2)
    daemon_environment = open(f"/proc/{daemon.process.pid}/environ", "rb").read()
    assert b"s3cret-index-token" in daemon_environment  # what the workers must not have
    for worker in children(daemon.process.pid):
        environment = dict(
            entry.split(b"=", 1) for entry in open(f"/proc/{worker}/environ", "rb").read().split(b"\0") if entry
        )
        # the names only, in a failure's message: the values are this machine's environment
        assert [name for name, value in environment.items() if b"s3cret" in value] == [], worker
        assert [name for name in environment if name.startswith(b"PYPIPINS_TEST")] == []
        assert environment[b"PATH"] == os.environ["PATH"].encode()
    code, body = await get(daemon.url("/license/klein/badge.png"))
    assert (code, body[:4]) == (200, b"\x89PNG")
    assert "Traceback" not in daemon.stop()


@pytest_twisted.ensureDeferred
async def test_the_logo_table_is_read_before_the_port_listens(upstream, redis):
    """
    Issue 24: simple-icons' table was read at the first badge with a logo, on the reactor's
    thread (0.1-0.2 s), while every other request waited. It is read as the service starts,
    before its port: the first logo costs what any other does.
    """
    from pypipins.render import logos

    logos._data.cache_clear()
    running = make_service(upstream, redis.url)
    try:
        assert logos._data.cache_info().currsize == 1
        from pypipins.wiring import LogoTable

        services = list(running.service)
        ports = [s for s in services if type(s).__name__ == "StreamServerEndpointService"]
        [table] = [s for s in services if isinstance(s, LogoTable)]
        assert services.index(table) < services.index(ports[0])
        misses = logos._data.cache_info().misses
        response = await treq.get(running.url("/v/klein/badge.svg?logo=python"))
        assert response.code == 200 and b"<image" in await response.content()
        assert logos._data.cache_info().misses == misses
    finally:
        await running.service.stopService()


def test_a_daemon_whose_port_another_process_took_starts_on_another(tmp_path, monkeypatch):
    """
    The harness' own guard: a port found free may be taken before the daemon listens on it,
    and what answers there is then not the daemon; the daemon goes again on another port.
    """
    import socket

    from tests import helpers

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(5)
    ports = iter([taken.getsockname()[1], helpers.free_port()])
    monkeypatch.setattr(helpers, "free_port", lambda: next(ports))
    try:
        daemon = helpers.Daemon(tmp_path, "pypipins", ["--redis", "redis://127.0.0.1:1/0"])
        try:
            assert daemon.port != taken.getsockname()[1]
            assert f"starting on {daemon.port}" in daemon.log.read_text()
        finally:
            daemon.stop()
    finally:
        taken.close()
