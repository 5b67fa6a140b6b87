"""
A clean stop's parts, in memory: answers counted from a real resource (StubTreq), the wait for
them on a Clock, and parts stopped in turn.
"""

from typing import Any, List

import pytest
import treq
from treq.testing import StubTreq
from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.logger import globalLogPublisher
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from pypipins.web.draining import DRAIN_SECONDS, Counted, Draining, InFlight, InTurn
from tests.helpers import fired

pytestmark = pytest.mark.memory


class Later(Resource):
    """
    Answers each request only when told to, with the path it was given.
    """

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.waiting: List[Any] = []

    def render_GET(self, request: Any) -> object:
        self.waiting.append(request)
        return NOT_DONE_YET

    def answer(self) -> None:
        request = self.waiting.pop(0)
        request.write(b"/".join(request.postpath))
        request.finish()


def test_an_answer_is_counted_until_it_is_sent():
    in_flight, later = InFlight(), Later()
    client = StubTreq(Counted(later, in_flight))
    first = client.get("http://badges.test/v/klein/badge.svg")
    second = client.get("http://badges.test/healthz")
    assert in_flight.count == 2
    idle = in_flight.idle()
    later.answer()
    client.flush()
    assert in_flight.count == 1
    assert not idle.called
    later.answer()
    client.flush()
    assert in_flight.count == 0
    assert idle.called
    # the wrapped resource was given the whole path, as the site would give it
    assert fired(treq.content(fired(first))) == b"v/klein/badge.svg"
    assert fired(treq.content(fired(second))) == b"healthz"


def test_idle_at_once_when_nothing_is_in_flight():
    assert fired(InFlight().idle()) is None


def test_a_stop_waits_for_the_answers_in_flight():
    in_flight, clock = InFlight(), Clock()
    draining = Draining(in_flight, clock)
    draining.startService()
    in_flight.started()
    stopped = draining.stopService()
    clock.advance(DRAIN_SECONDS - 1)
    assert not stopped.called
    in_flight.finished()
    assert fired(stopped) is None
    assert not clock.getDelayedCalls()


def test_answers_still_in_flight_are_cut_after_the_patience():
    in_flight, clock = InFlight(), Clock()
    draining = Draining(in_flight, clock, patience=3.0)
    draining.startService()
    in_flight.started()
    events: List[Any] = []
    globalLogPublisher.addObserver(events.append)
    try:
        stopped = draining.stopService()
        clock.advance(3.0)
    finally:
        globalLogPublisher.removeObserver(events.append)
    assert fired(stopped) is None
    said = [e["log_format"].format(**e) for e in events if e.get("log_namespace") == "pypipins.web.draining"]
    assert said == ["Stopping: 1 answers in flight, 3.0 s to finish them",
                    "Stopping: 1 answers still in flight after 3.0 s, cut"]
    # a request that ends after the cut does not fire the stop again
    in_flight.finished()


class Part(Service):
    def __init__(self, name: str, stops: List[str], failing: bool = False) -> None:
        self.name, self.stops, self.failing = name, stops, failing
        self.stopping: Deferred[None] = Deferred()

    def stopService(self) -> "Deferred[None]":
        super().stopService()
        self.stops.append(str(self.name))
        if self.failing:
            raise RuntimeError("cannot stop")
        return self.stopping


def test_parts_stop_in_turn_the_last_added_first():
    stops: List[str] = []
    top = InTurn()
    redis, port = Part("redis", stops), Part("port", stops)
    redis.setServiceParent(top)
    port.setServiceParent(top)
    top.startService()
    stopped = top.stopService()
    assert stops == ["port"]
    port.stopping.callback(None)
    assert stops == ["port", "redis"]
    assert not stopped.called
    redis.stopping.callback(None)
    assert fired(stopped) is None


def test_a_part_that_fails_to_stop_does_not_keep_the_next_running():
    stops: List[str] = []
    top = InTurn()
    redis = Part("redis", stops)
    redis.setServiceParent(top)
    Part("broken", stops, failing=True).setServiceParent(top)
    top.startService()
    stopped = top.stopService()
    redis.stopping.callback(None)
    assert stops == ["broken", "redis"]
    assert fired(stopped) is None
