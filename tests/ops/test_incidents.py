"""
An incident is two lines of log, however many failures it holds; on a Clock.
"""

import pytest
from twisted.internet.task import Clock
from twisted.logger import globalLogPublisher

from pypipins.ops.incidents import Incident

pytestmark = pytest.mark.pure


def logged(run):
    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        run()
    finally:
        globalLogPublisher.removeObserver(events.append)
    return [(e["log_level"].name, e.get("reason"), e.get("failures"))
            for e in events if e.get("name") == "Redis"]


def test_failures_and_answers_interleaved_are_one_incident_when_calm_is_asked_for():
    """
    A Redis at maxmemory refuses every write and answers every read: one incident, not a pair
    of lines per request.
    """
    clock = Clock()
    redis = Incident("Redis", clock, "caching in-process.", calm=10, unit="commands")

    def run():
        for _ in range(2000):
            redis.failed("OOM command not allowed")
            redis.answered()
            clock.advance(0.01)
        clock.advance(9)
        redis.answered()  # 9.01 s after the last failure: still the same incident
        clock.advance(1)
        redis.answered()

    assert logged(run) == [("warn", "OOM command not allowed", None), ("info", None, 2000)]


def test_without_calm_the_first_answer_ends_it():
    clock = Clock()
    redis = Incident("Redis", clock, "caching in-process.")

    def run():
        redis.failed("a")
        redis.failed("b")
        redis.answered()
        redis.failed("c")
        redis.answered()

    assert logged(run) == [("warn", "a", None), ("info", None, 2),
                           ("warn", "c", None), ("info", None, 1)]


def test_failing_for():
    clock = Clock()
    incident = Incident("Redis", clock, "")
    assert incident.failing_for() == 0
    incident.failed("x")
    clock.advance(7)
    incident.failed("y")
    assert (incident.failures, incident.failing_for()) == (2, 7)
    incident.answered()
    assert (incident.failures, incident.failing_for()) == (0, 0)
