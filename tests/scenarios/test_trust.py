"""
What a bad day must not make the daemon do, through C{twistd -n pypipins} as users run it:
say one package's facts for another when its process is paused under load, or grow without a
bound when every request asks for something new.
"""

import json
import signal

import pytest
import pytest_twisted
import treq
from twisted.internet import reactor
from twisted.internet.defer import Deferred, gatherResults
from twisted.internet.task import deferLater

pytestmark = [pytest.mark.system, pytest.mark.slow]


PACKAGES = 120


def sleep(seconds: float) -> "Deferred[None]":
    return deferLater(reactor, seconds, lambda: None)


async def get(url: str):
    response = await treq.get(url, timeout=30)
    return response.code, await response.content()


def expected(kind: str, n: int) -> str:
    """
    What the stand-in's C{numbered-<n>} makes each badge say.
    """
    return f"{n}.0" if kind == "v" else f"{n}/day"


@pytest_twisted.ensureDeferred
async def test_a_paused_daemon_never_says_another_packages_facts(start_daemon, upstream, redis):
    """
    The daemon stopped (SIGSTOP) for longer than a Redis command may take, a dozen times
    under load, while Redis's replies arrive: every answer is its own package's. Each request
    has a label of its own, so that it reaches Redis rather than a response kept ready.
    """
    upstream.resource.stats_limits = None  # pypistats' limits are not what this is about
    daemon = start_daemon(
        "--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url,
        "--stats-per-second", "10000", "--stats-per-minute", "100000",
    )
    work = [(kind, n) for n in range(1, PACKAGES + 1) for kind in ("v", "d")]
    labels = iter(range(10**9))

    def url(kind: str, n: int) -> str:
        return daemon.url(f"/{kind}/numbered-{n}/badge.json?period=day&label={next(labels)}")

    for kind, n in work:
        code, body = await get(url(kind, n))
        assert (code, json.loads(body)["message"]) == (200, expected(kind, n))

    running, answers, wrong = [True], [0], []

    async def ask(worker: int) -> None:
        i = worker
        while running[0]:
            kind, n = work[i % len(work)]
            i += 7
            code, body = await get(url(kind, n))
            message = json.loads(body)["message"] if code == 200 else body[:200]
            if message != expected(kind, n):
                wrong.append((kind, n, code, message))
            answers[0] += 1

    workers = [Deferred.fromCoroutine(ask(w)) for w in range(20)]
    for _ in range(12):
        await sleep(0.15)
        daemon.process.send_signal(signal.SIGSTOP)
        await sleep(0.7)
        daemon.process.send_signal(signal.SIGCONT)
    await sleep(0.3)
    running[0] = False
    await gatherResults(workers)
    log = daemon.stop()
    assert not wrong, wrong[:10]
    assert answers[0] > 150  # load went on between the pauses
    assert "Traceback" not in log


def rss_mib(pid: int) -> float:
    for line in open(f"/proc/{pid}/status").read().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def redis_used_mib(redis) -> float:
    info = redis.command("INFO", "memory")
    return int(info.split("used_memory:")[1].split()[0]) / 1024 / 1024


@pytest_twisted.ensureDeferred
async def test_memory_is_bounded_by_bytes_whatever_clients_ask(start_daemon, upstream, redis):
    """
    Every request something new: a TIFF with a label of its own (some 110 KB each when it was
    not compressed, and kept in memory and in Redis for a day), and a URI with 15 KB of junk
    in its query (once a response kept ready per URI). The daemon's resident size levels off
    within the byte bounds it was given, and Redis keeps none of it.
    """
    daemon = start_daemon(
        "--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url,
        "--ready-memory", "2", "--image-memory", "2", "--facts-memory", "2",
        # memory is measured here, not time: a TIFF of a 1,462-character label, drawn on a
        # machine busy with another test, once outlasted the default 5 s
        "--raster-timeout", "30",
    )
    pid = daemon.process.pid

    async def ask(paths) -> None:
        todo = iter(paths)

        async def worker() -> None:
            for path in todo:
                code, body = await get(daemon.url(path))
                assert code == 200, (path, body[:200])

        await gatherResults([Deferred.fromCoroutine(worker()) for _ in range(16)])

    # warm: the facts, the workers, the interpreter's own allocations
    await ask([f"/license/klein/badge.tiff?label=warm{n}" for n in range(50)]
              + [f"/v/klein/badge.svg?junk{n}=x" for n in range(50)])
    rss, used = rss_mib(pid), redis_used_mib(redis)
    sizes = []
    for round in range(3):
        label = f"{round}-" + "x" * 200
        await ask([f"/license/klein/badge.tiff?label={n}{label}" for n in range(400)])
        junk = f"{round}-" + "j" * 15_000
        await ask([f"/v/klein/badge.svg?n={n}&junk={junk}" for n in range(800)])
        sizes.append(rss_mib(pid))
    grown, redis_grown = sizes[-1] - rss, redis_used_mib(redis) - used
    print(f"\nthe daemon: {rss:.0f} MiB, then {sizes} MiB; Redis grew by {redis_grown:.2f} MiB")
    log = daemon.stop()
    assert "Traceback" not in log
    assert redis_grown < 1, "rasters of a client's label are not kept in Redis"
    # the caches full after the first round: a round more costs next to nothing (PyPy's
    # collector takes a round or two more to settle than CPython's)
    assert sizes[-1] - sizes[-2] < 15, sizes
    # three caches of 2 MiB, and what an interpreter keeps of the garbage it collected
    assert grown < 90, f"the daemon grew by {grown:.0f} MiB"
