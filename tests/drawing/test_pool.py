"""
The raster workers, as real processes: one that aborts or hangs is replaced and costs only its
drawing, which fails with a clear error that is remembered; the queue is bounded; stopping
leaves no process behind. Time limits run on a Clock, the processes on the reactor.
"""

import io
import os
from typing import Any, Iterator

import pytest
import pytest_twisted
from PIL import Image
from prometheus_client import CollectorRegistry
from twisted.internet import reactor
from twisted.internet.defer import CancelledError
from twisted.internet.task import Clock
from twisted.logger import globalLogPublisher

from pypipins.drawing.drawer import FAILED, TIMED_OUT, WORKER_DIED, CannotDraw, DrawersBusy, Origin
from pypipins.drawing.pool import (
    CLIENT_MADE_TIME_LIMIT, REMEMBERED_FOR, RESTART_DELAY_MAX, STOP_GRACE, WAIT_LIMIT, DrawingPool,
    worker_environment,
)
from pypipins.ops.metrics import Metrics
from pypipins.render import svg
from tests.helpers import ROOT, alive, sample, until

pytestmark = pytest.mark.system


def badge(label: str) -> str:
    return svg.render(label, "MIT", "blue")


class Pools:
    """
    Pools of workers drawing with L{tests.drawers.misbehaving}, stopped after the test.
    """

    def __init__(self) -> None:
        self.made: list[DrawingPool] = []

    def __call__(self, env: "dict[str, str] | None" = None, **kwargs: Any) -> DrawingPool:
        kwargs.setdefault("target", "tests.drawers:misbehaving")
        env = dict(os.environ, **(env or {}),
                   PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        pool = DrawingPool(reactor, Metrics(CollectorRegistry()), env=env, **kwargs)
        pool.startService()
        self.made.append(pool)
        return pool


@pytest.fixture
def pools() -> Iterator[Pools]:
    made = Pools()
    yield made
    for pool in made.made:
        if pool.running:
            pytest_twisted.blockon(pool.stopService())


def count(pool: DrawingPool, name: str, **labels: str) -> float:
    from prometheus_client.exposition import generate_latest

    assert pool._metrics is not None
    return sample(generate_latest(pool._metrics.registry).decode(), name, **labels)


async def failure(d: Any) -> Exception:
    try:
        await d
    except Exception as e:
        return e
    raise AssertionError("drawn, where it should have failed")


async def drawn(pool: DrawingPool, label: str, ext: str = "png") -> Image.Image:
    image = Image.open(io.BytesIO(await pool.draw(badge(label), ext)))
    image.load()
    return image


async def ready(pool: DrawingPool, workers: int) -> None:
    await until(lambda: sum(w.ready for w in pool._workers) == workers, timeout=60)


@pytest_twisted.ensureDeferred
async def test_workers_draw_every_format(pools):
    pool = pools(workers=2)
    assert len(pool.pids) == 2  # started with the service, before any drawing
    for ext, format in [("png", "PNG"), ("jpg", "JPEG"), ("gif", "GIF"), ("tiff", "TIFF")]:
        image = await drawn(pool, "license", ext)
        assert image.format == format
    assert count(pool, "pypipins_raster_drawings_total", outcome="ok") == 4


@pytest_twisted.ensureDeferred
async def test_a_worker_that_aborts_is_replaced_and_its_failure_remembered(pools):
    events: list[dict] = []
    globalLogPublisher.addObserver(events.append)
    try:
        pool = pools(workers=1)
        await ready(pool, 1)
        [first] = pool.pids
        error = await failure(pool.draw(badge("ABORT \u202egpj.exe"), "png"))
        assert isinstance(error, CannotDraw)
        assert (error.ext, error.reason, error.remembered) == ("png", WORKER_DIED, False)
        assert "signal 6" in error.detail
        await until(lambda: pool.pids and pool.pids != [first])
        assert not alive(first)
        # the next drawing works, in the new worker
        assert (await drawn(pool, "license")).size[1] == 20
        # the same drawing again does not reach a worker
        [second] = pool.pids
        error = await failure(pool.draw(badge("ABORT \u202egpj.exe"), "png"))
        assert (error.reason, error.remembered) == (WORKER_DIED, True)
        assert pool.pids == [second]
        # ... but in another format it is another drawing
        await failure(pool.draw(badge("ABORT \u202egpj.exe"), "gif"))
        await until(lambda: pool.pids and pool.pids != [second])
    finally:
        globalLogPublisher.removeObserver(events.append)
    assert count(pool, "pypipins_raster_drawings_total", outcome="worker_died") == 2
    assert count(pool, "pypipins_raster_drawings_total", outcome="ok") == 1
    assert count(pool, "pypipins_raster_worker_restarts_total") == 2
    assert count(pool, "pypipins_raster_failures_remembered_total") == 1
    # logged once per drawing, the client's text escaped, not raw
    lines = [e for e in events if "cannot be drawn" in e.get("log_format", "")]
    assert len(lines) == 2
    assert lines[0]["what"] == "'ABORT \\u202egpj.exe: MIT'"
    assert lines[0]["reason"] == WORKER_DIED


@pytest_twisted.ensureDeferred
async def test_a_hung_drawing_is_killed_at_the_time_limit(pools):
    clock = Clock()
    pool = pools(workers=1, time_limit=5.0, clock=clock)
    await ready(pool, 1)
    [hung] = pool.pids
    d = pool.draw(badge("HANG"), "png")
    await until(lambda: pool._workers and next(iter(pool._workers)).job is not None)
    clock.advance(4.9)
    assert not d.called and alive(hung)
    clock.advance(0.1)
    # answered at once, not when the process is gone
    error = await failure(d)
    assert isinstance(error, CannotDraw) and error.reason == TIMED_OUT
    await until(lambda: pool.pids and pool.pids != [hung] and not alive(hung))
    assert (await drawn(pool, "license")).size[1] == 20
    assert count(pool, "pypipins_raster_drawings_total", outcome="timed_out") == 1
    # a time-out may be the machine's fault: remembered for less long than a crash
    error = await failure(pool.draw(badge("HANG"), "png"))
    assert error.remembered
    clock.advance(REMEMBERED_FOR[TIMED_OUT])
    assert REMEMBERED_FOR[TIMED_OUT] < REMEMBERED_FOR[WORKER_DIED]
    d = pool.draw(badge("HANG"), "png")
    await until(lambda: next(iter(pool._workers)).job is not None)
    clock.advance(5.0)
    assert (await failure(d)).remembered is False


@pytest_twisted.ensureDeferred
async def test_an_exception_fails_the_drawing_not_the_worker(pools):
    pool = pools(workers=1)
    await ready(pool, 1)
    [worker] = pool.pids
    error = await failure(pool.draw(badge("RAISE"), "png"))
    assert (error.reason, "cannot draw this" in error.detail) == (FAILED, True)
    assert (await drawn(pool, "license")).size[1] == 20
    assert pool.pids == [worker]
    assert count(pool, "pypipins_raster_worker_restarts_total") == 0


@pytest_twisted.ensureDeferred
async def test_while_one_drawing_hangs_the_others_are_drawn(pools):
    pool = pools(workers=2)
    await ready(pool, 2)
    hung = pool.draw(badge("HANG"), "png")
    for i in range(20):
        assert (await drawn(pool, f"label {i}", "gif")).format == "GIF"
    assert not hung.called
    hung.cancel()
    assert isinstance(await failure(hung), CancelledError)


@pytest_twisted.ensureDeferred
async def test_the_queue_is_bounded(pools):
    clock = Clock()
    pool = pools(workers=1, max_waiting=2, clock=clock)
    await ready(pool, 1)
    hung = pool.draw(badge("HANG"), "png")
    waiting = [pool.draw(badge("one"), "png"), pool.draw(badge("two"), "png")]
    # the same drawing asked twice is drawn once, and does not count twice
    twice = pool.draw(badge("two"), "png")
    assert isinstance(await failure(pool.draw(badge("three"), "png")), DrawersBusy)
    clock.advance(5.0)
    await failure(hung)
    bodies = [await d for d in waiting + [twice]]
    assert bodies[1] == bodies[2] != bodies[0]
    assert count(pool, "pypipins_raster_drawings_total", outcome="ok") == 2


@pytest_twisted.ensureDeferred
async def test_a_request_gone_is_not_drawn(pools):
    pool = pools(workers=1, clock=Clock())
    await ready(pool, 1)
    hung = pool.draw(badge("HANG"), "png")
    gone = pool.draw(badge("gone"), "png")
    gone.cancel()
    assert isinstance(await failure(gone), CancelledError)
    assert (len(pool._waiting), len(pool._jobs)) == (0, 1)
    await pool.stopService()
    assert isinstance(await failure(hung), DrawersBusy)


@pytest_twisted.ensureDeferred
async def test_a_worker_that_cannot_start_is_started_again_less_and_less_often(pools, tmp_path):
    """
    A broken installation: the worker ends before it is ready, again and again. It is started
    again after 1, 2, 4... seconds; what waits for it is answered busy in the end; the incident
    is logged once when it begins and once when a worker is ready again.
    """
    broken = tmp_path / "broken"
    broken.touch()
    events: list[dict] = []
    globalLogPublisher.addObserver(events.append)
    clock = Clock()
    try:
        pool = pools(workers=1, target="tests.drawers:broken_while_flagged", clock=clock,
                     env={"DRAWERS_BROKEN": str(broken)})
        waiting = pool.draw(badge("license"), "png")
        delays = []
        for _ in range(3):
            await until(lambda: not pool._workers)
            call = min(clock.getDelayedCalls(), key=lambda c: c.getTime())
            delays.append(call.getTime() - clock.seconds())
            clock.advance(delays[-1])
            assert len(pool._workers) == 1
        assert delays == [1.0, 2.0, 4.0]
        clock.advance(WAIT_LIMIT)
        assert isinstance(await failure(waiting), DrawersBusy)
        # mended: the next worker started is ready, and draws
        broken.unlink()

        def mended() -> bool:
            if not pool._workers:  # one more ended before the file was gone
                clock.advance(RESTART_DELAY_MAX)
            return any(w.ready for w in pool._workers)

        await until(mended)
        assert (await drawn(pool, "license")).size[1] == 20
    finally:
        globalLogPublisher.removeObserver(events.append)
    said = [e for e in events if e.get("name") == "Raster workers"]
    assert len(said) == 2
    assert "before it was ready" in said[0]["reason"] and "status 3" in said[0]["reason"]
    assert said[1]["failures"] >= 3


@pytest_twisted.ensureDeferred
async def test_stopping_leaves_no_worker_even_a_hung_one(pools):
    pool = pools(workers=2)
    await ready(pool, 2)
    hung = pool.draw(badge("HANG"), "png")
    await until(lambda: any(w.job is not None for w in pool._workers))
    pids = pool.pids
    await pool.stopService()
    assert pool.pids == [] and not [pid for pid in pids if alive(pid)]
    assert isinstance(await failure(hung), DrawersBusy)
    assert isinstance(await failure(pool.draw(badge("after"), "png")), DrawersBusy)


@pytest_twisted.ensureDeferred
async def test_a_worker_stuck_past_sigterm_is_killed(pools):
    clock = Clock()
    pool = pools(workers=1, clock=clock)
    await ready(pool, 1)
    [pid] = pool.pids
    os.kill(pid, 19)  # SIGSTOP: SIGTERM waits until it is continued
    stopped = pool.stopService()
    assert not stopped.called
    clock.advance(STOP_GRACE)
    await stopped
    assert not alive(pid)


@pytest_twisted.ensureDeferred
async def test_while_a_raster_hangs_the_site_answers(pools, upstream):
    """
    The badge site on loopback, drawing through a pool of one worker whose drawing hangs:
    SVG badges are answered meanwhile, and rasters with a clear 503 while none can wait.
    """
    import treq
    from treq.client import HTTPClient
    from twisted.web.client import Agent
    from twisted.web.server import Site

    from pypipins.store.cache import MemoryCache
    from pypipins.drawing.images import LocalImages
    from pypipins.store.lookup import Lookup
    from pypipins.upstream.pypi import PyPI
    from pypipins.upstream.pypistats import PyPIStats
    from pypipins.upstream.fetcher import Fetcher
    from tests.helpers import in_memory_site

    pool = pools(workers=1, max_waiting=0)
    await ready(pool, 1)
    fetcher = Fetcher(HTTPClient(Agent(reactor)), reactor)
    lookup = Lookup(MemoryCache(reactor), PyPI(fetcher, upstream.pypi_url),
                    PyPIStats(fetcher, upstream.stats_url), reactor, 600)
    site = Site(in_memory_site(lookup, LocalImages(MemoryCache(reactor), pool), reactor).resource())
    port = reactor.listenTCP(0, site, interface="127.0.0.1")
    url = f"http://127.0.0.1:{port.getHost().port}"
    hung = treq.get(url + "/license/klein/badge.png?label=HANG")
    try:
        await until(lambda: next(iter(pool._workers)).job is not None)
        for path in ("/license/klein/badge.svg?label=HANG", "/v/klein/badge.svg", "/d/klein/badge.json"):
            response = await treq.get(url + path)
            assert response.code == 200
        response = await treq.get(url + "/v/klein/badge.gif")
        assert response.code == 503
        assert response.headers.getRawHeaders("retry-after") == ["5"]
        assert response.headers.getRawHeaders("content-type") == ["text/plain;charset=utf-8"]
        assert response.headers.getRawHeaders("cache-control") == ["no-store"]
        assert await response.content() == b"Too many badges are being drawn: try again in a few seconds.\n"
        # still on it
        assert next(iter(pool._workers)).job is not None
    finally:
        hung.cancel()
        await port.stopListening()
    await failure(hung)


@pytest_twisted.ensureDeferred
async def test_a_worker_killed_while_idle_is_replaced(pools):
    pool = pools(workers=2)
    await ready(pool, 2)
    killed = pool.pids[0]
    os.kill(killed, 9)
    await until(lambda: len(pool.pids) == 2 and killed not in pool.pids)
    await ready(pool, 2)
    assert count(pool, "pypipins_raster_worker_restarts_total") == 1
    assert count(pool, "pypipins_raster_drawings_total", outcome="worker_died") == 0


# -- sharing the workers between clients ------------------------------------------------------

A, B, C = "203.0.113.1", "198.51.100.7", "2001:db8:1:2::/64"


def drawn_in_order(order: "list[str]", name: str, d: Any) -> Any:
    """
    C{d}, which adds C{name} to C{order} when it is drawn.
    """

    def done(body: bytes) -> bytes:
        order.append(name)
        return body

    return d.addCallback(done)


@pytest_twisted.ensureDeferred
async def test_a_client_with_many_drawings_waiting_does_not_hold_up_another(pools):
    """
    One worker, held by a drawing of client A that hangs, with ten more of A's waiting, then
    one of B's: once the worker is free, B's is drawn first, not after A's ten.
    """
    clock = Clock()
    pool = pools(workers=1, clock=clock)
    await ready(pool, 1)
    hung = pool.draw(badge("HANG"), "png", Origin(A))
    await until(lambda: next(iter(pool._workers)).job is not None)
    order: list[str] = []
    many = [drawn_in_order(order, f"A{i}", pool.draw(badge(f"A{i}"), "png", Origin(A))) for i in range(10)]
    other = drawn_in_order(order, "B", pool.draw(badge("B"), "png", Origin(B)))
    clock.advance(5.0)
    assert (await failure(hung)).reason == TIMED_OUT
    await other
    for d in many:
        await d
    assert order == ["B"] + [f"A{i}" for i in range(10)]
    assert pool._held == {} and pool._served == {} and pool._waiting == {}


@pytest_twisted.ensureDeferred
async def test_drawings_of_what_clients_made_leave_a_worker_for_the_rest(pools):
    """
    Two workers; drawings with a client's own logo, of two clients, that hang: they hold one
    worker, not both, and the time limit they have is the shorter one. Meanwhile the other
    worker draws the rest.
    """
    clock = Clock()
    pool = pools(workers=2, clock=clock)
    await ready(pool, 2)
    first = pool.draw(badge("HANG first"), "png", Origin(A, client_made=True))
    second = pool.draw(badge("HANG second"), "png", Origin(B, client_made=True))
    await until(lambda: pool._held_client_made == 1)
    for i in range(5):
        assert (await drawn(pool, f"plain {i}")).size[1] == 20
    assert not first.called and not second.called
    assert pool._held_client_made == 1 and len(pool._waiting[B]) == 1
    clock.advance(CLIENT_MADE_TIME_LIMIT)
    error = await failure(first)
    assert (error.reason, error.detail) == (TIMED_OUT, f"over {CLIENT_MADE_TIME_LIMIT:g} s")
    # the other one's turn: on the worker left, or the one that replaces the killed one
    await until(lambda: pool._held_client_made == 1 and B not in pool._waiting)
    assert not second.called
    clock.advance(CLIENT_MADE_TIME_LIMIT)
    assert (await failure(second)).reason == TIMED_OUT


@pytest_twisted.ensureDeferred
async def test_when_too_many_wait_the_client_with_the_most_gives_way(pools):
    clock = Clock()
    pool = pools(workers=1, max_waiting=3, clock=clock)
    await ready(pool, 1)
    hung = pool.draw(badge("HANG"), "png", Origin(A))
    await until(lambda: next(iter(pool._workers)).job is not None)
    a1, a2, a3 = (pool.draw(badge(f"A{i}"), "png", Origin(A)) for i in range(1, 4))
    # full: A's newest gives way to B's first
    b1 = pool.draw(badge("B1"), "png", Origin(B))
    assert isinstance(await failure(a3), DrawersBusy)
    # ... but not to B's second: A would have no more waiting than B
    assert isinstance(await failure(pool.draw(badge("B2"), "png", Origin(B))), DrawersBusy)
    # nor to another of A's own
    assert isinstance(await failure(pool.draw(badge("A4"), "png", Origin(A))), DrawersBusy)
    # and a third client takes the place of one of A's
    c1 = pool.draw(badge("C1"), "png", Origin(C))
    assert isinstance(await failure(a2), DrawersBusy)
    clock.advance(5.0)
    await failure(hung)
    for d in (b1, c1, a1):
        await d


def test_a_workers_environment_keeps_what_runs_python_and_nothing_else():
    """
    tests/scenarios/test_daemon.py reads a real worker's /proc/<pid>/environ.
    """
    environ = {
        "PATH": "/usr/bin", "LANG": "C.UTF-8", "LC_ALL": "C", "PYTHONPATH": "/srv/pypipins",
        "PYPY_GC_MAJOR_COLLECT": "1.4", "HOME": "/home/pypipins", "CORP_INDEX_TOKEN": "alice:s3cret",
        "REDIS_PASSWORD": "s3cret", "AWS_SECRET_ACCESS_KEY": "s3cret", "PYTHONSTARTUP": "/tmp/x.py",
    }
    assert worker_environment(environ) == {
        "PATH": "/usr/bin", "LANG": "C.UTF-8", "LC_ALL": "C", "PYTHONPATH": "/srv/pypipins",
        "PYPY_GC_MAJOR_COLLECT": "1.4",
    }
