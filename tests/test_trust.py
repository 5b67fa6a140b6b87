"""
What a bad day must not make the daemon do, through C{twistd -n pypipins} as users run it:
say one package's facts for another when its process is paused under load, or grow without a
bound when every request asks for something new.
"""

import json
import signal

import pytest_twisted
import treq
from twisted.internet import reactor
from twisted.internet.defer import Deferred, gatherResults
from twisted.internet.task import deferLater

from tests.conftest import until

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
    await until(lambda: redis.command("DBSIZE") == str(len(work)))

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
