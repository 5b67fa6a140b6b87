"""
The builders both daemons are wired from (L{pypipins.wiring}), built in-process and not
started: the parts each daemon has, and their order, which is the order they start in.
"""

import gc
import sys

import pytest
from twisted.internet.task import Clock

from pypipins import shields_tap, tap, wiring
from pypipins.store.redis import RedisConnection
from pypipins.web.accesslog import AccessLog
from pypipins.web.draining import InTurn

pytestmark = pytest.mark.pure


def kinds(service):
    """
    The parts of C{service}, by their classes' names, in the order they start.
    """
    return [type(part).__name__ for part in service]


def test_the_badge_daemon_is_wired_in_the_order_it_starts_and_stops(tmp_path):
    config = tap.Options()
    config.parseOptions(["--metrics-port", "tcp:9100:interface=127.0.0.1",
                         "--access-log", str(tmp_path / "access.log")])
    top = wiring.badge_daemon(config, Clock())
    # its parts stop one after another, the last added first: the ports before what they use
    assert isinstance(top, InTurn)
    assert kinds(top) == [
        # before the ports: what they accept counts against the open files; no request waits
        # for simple-icons' table
        "OpenFilesLimit", "PacedCollector", "LogoTable", "AcceptFailures", "InterpreterTuning",
        "RedisConnection", "ThreadPoolService", "DrawingPool",
        # after the port in stopping order: the last lines written, the answers finished
        "AccessLog", "Draining",
        "StreamServerEndpointService", "StreamServerEndpointService",
    ]
    assert isinstance(top.getServiceNamed("redis"), RedisConnection)
    [log] = [part for part in top if isinstance(part, AccessLog)]
    log.stopService()


def test_the_badge_daemon_without_log_file_nor_metrics_port():
    config = tap.Options()
    config.parseOptions([])
    top = wiring.badge_daemon(config, Clock())
    assert kinds(top)[-3:] == ["DrawingPool", "Draining", "StreamServerEndpointService"]


def test_the_shields_daemon_shares_the_process_parts_and_the_drawers():
    config = shields_tap.Options()
    config.parseOptions([])
    top = wiring.shields_daemon(config, Clock())
    # the same parts before the port as the badge daemon's, and no Redis
    assert kinds(top) == [
        "OpenFilesLimit", "PacedCollector", "LogoTable", "AcceptFailures", "DrawingPool",
        "StreamServerEndpointService",
    ]


def test_the_reactors_thread_gets_the_interpreters_lock_sooner():
    """
    The daemon hands the interpreter's lock between threads every millisecond, so that the
    reactor's thread waits less for it while a big document is condensed beside it.
    """
    before = sys.getswitchinterval()
    # CPython's collector is tuned too: as it was after the test
    threshold = gc.get_threshold() if hasattr(gc, "get_threshold") else None
    try:
        # as the interpreter starts (a service started in this process before may have set it)
        sys.setswitchinterval(0.005)
        wiring.InterpreterTuning().startService()
        assert wiring.SWITCH_INTERVAL < 0.005
        assert sys.getswitchinterval() == pytest.approx(wiring.SWITCH_INTERVAL)
    finally:
        sys.setswitchinterval(before)
        if threshold is not None:
            gc.set_threshold(*threshold)
            gc.unfreeze()
