"""
The fixtures: thin ones, over tests/helpers.py; and the hook of tests/markers.py.
"""

from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest
import pytest_twisted
from hypothesis import settings
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.web.server import Site

from tests.helpers import (
    Daemon, RedisServer, RunningService, RunningUpstream, make_service, port_of, until,
)
# the hook that holds every test module to one layer marker: pytest finds it here by its name
from tests.markers import pytest_pycollect_makemodule  # noqa: F401
from tests.standin import Upstream

# No deadline for an example: the machines that run the suite are shared and noisy, and speed is
# measured in bench/, not in tests.
settings.register_profile("pypipins", deadline=None)
settings.load_profile("pypipins")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[RedisServer]:
    """
    The session's Redis, empty, and running again after the test if it was killed.
    """
    if redis_server.process is None:
        redis_server.start()
    redis_server.command("FLUSHALL")
    yield redis_server
    if redis_server.process is None:
        redis_server.start()


@pytest.fixture
def upstream() -> Iterator[RunningUpstream]:
    """
    The PyPI and pypistats stand-in, listening on loopback in this process's reactor.
    """
    resource = Upstream()
    site = Site(resource)
    site.noisy = False
    port = reactor.listenTCP(0, site, interface="127.0.0.1")  # type: ignore[arg-type]  # Twisted's hints refuse a Site
    yield RunningUpstream(resource, port_of(port))
    pytest_twisted.blockon(port.stopListening())


@pytest.fixture
def service(upstream: RunningUpstream, redis: RedisServer) -> Iterator[RunningService]:
    """
    The badge service as C{makeService} builds it, on loopback, with the stand-in and Redis.
    """
    running = make_service(upstream, redis.url)
    pytest_twisted.blockon(Deferred.fromCoroutine(until(lambda: running.redis.connected)))
    yield running
    pytest_twisted.blockon(running.service.stopService())


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[..., Daemon]]:
    daemons: List[Daemon] = []

    def start(*args: str, plugin: str = "pypipins", **popen: Any) -> Daemon:
        daemon = Daemon(tmp_path, plugin, list(args), **popen)
        daemons.append(daemon)
        return daemon

    yield start
    for daemon in daemons:
        if daemon.process.poll() is None:
            daemon.stop()

