"""
The cap on requests to an upstream origin, on a Clock: so many in flight, so many begun in any
second, first come first served, and a refusal at once for a request that could not get a turn
in its time.
"""

from typing import List

import pytest
from twisted.internet.task import Clock

from pypipins.upstream.budget import ARRIVAL_MARGIN
from pypipins.upstream.gate import Gate, Throttled
from tests.helpers import fired

pytestmark = pytest.mark.pure


def test_never_more_begun_in_a_second_than_the_rate():
    """
    200 quick requests at once (each answered as soon as sent), 20 a second allowed: 20 in
    any second (and its margin for arrival), never more, all of them sent within ten such
    windows, in the order they came.
    """
    clock = Clock()
    gate = Gate(clock, "https://pypi.org:443", concurrency=100, per_second=20)
    started: List[float] = []
    order: List[int] = []

    def sent(_: object, n: int) -> None:
        started.append(clock.seconds())
        order.append(n)
        gate.leave()

    for n in range(200):
        gate.enter(10.0).addCallback(sent, n)
    while gate.waiting:
        clock.advance(0.05)
    assert order == list(range(200))
    window = 1 + ARRIVAL_MARGIN
    for t in started:
        assert sum(1 for u in started if t <= u < t + window) <= 20
    assert started[-1] < 10 * window


def test_never_more_in_flight_than_the_cap():
    clock = Clock()
    gate = Gate(clock, "https://pypi.org:443", concurrency=3, per_second=1000)
    turns = [gate.enter(10.0) for _ in range(5)]
    assert [t.called for t in turns] == [True, True, True, False, False]
    gate.leave()
    assert turns[3].called and not turns[4].called and gate.in_flight == 3
    gate.leave()
    gate.leave()
    assert turns[4].called and gate.in_flight == 2 and gate.waiting == 0


def test_no_more_wait_than_can_be_let_through_in_their_time():
    """
    At 2 a second, a request with 5 s to wait finds a turn only behind fewer than 10: the
    eleventh waiting is refused at once, and costs nothing more.
    """
    clock = Clock()
    gate = Gate(clock, "https://pypi.org:443", concurrency=1, per_second=2)
    turns = [gate.enter(5.0) for _ in range(12)]
    assert turns[0].called and gate.waiting == 10
    failure = fired(turns[11])
    assert failure.check(Throttled)
    assert str(failure.value) == (
        "https://pypi.org:443: 10 requests already wait for a turn, more than 2 a second can "
        "let through in 5 s"
    )


def test_a_turn_given_up_goes_to_the_next():
    clock = Clock()
    gate = Gate(clock, "https://pypi.org:443", concurrency=1, per_second=100)
    first, second, third = (gate.enter(10.0) for _ in range(3))
    second.cancel()
    fired(second).trap(Exception)
    assert gate.waiting == 1
    gate.leave()
    assert third.called and gate.in_flight == 1
