"""
The request budget and the queue where fetches wait their turn in it, on a Clock: order,
one entry per key, bounds, a 429's hold-off, and never a request past the budget.
"""

from typing import List

import pytest
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from pypipins.upstream.budget import (
    IN_FLIGHT_POLL, BudgetQueue, Dropped, QueueFull, RequestBudget, Retry,
)
from tests.helpers import fired

pytestmark = pytest.mark.pure

PYPISTATS = [(5, 1.0), (30, 60.0)]


def test_budget_waits_for_the_window_that_is_full():
    clock = Clock()
    budget = RequestBudget(clock, PYPISTATS)
    assert [budget.take() for _ in range(6)] == [True] * 5 + [False]
    assert budget.wait() == 1.0
    clock.advance(1)
    for _ in range(5):
        assert [budget.take() for _ in range(5)] == [True] * 5
        clock.advance(1)
    # 30 in the last minute: the next when the first leaves the window
    assert budget.wait() == 54.0
    clock.advance(54)
    # the five of the first second leave it together
    assert [budget.take() for _ in range(6)] == [True] * 5 + [False]
    budget.hold(10)
    assert budget.wait() == 10.0


class Upstream:
    """
    Fetches answered when the test says, and when each was sent.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sent: List[tuple] = []
        self.pending: dict = {}

    def fetch(self, key: str):
        def fetch() -> Deferred:
            self.sent.append((self.clock.seconds(), key))
            d = self.pending[key] = Deferred()
            return d

        return fetch

    def answer(self, key: str, value=None) -> None:
        self.pending.pop(key).callback(value if value is not None else f"counts of {key}")


def make(max_entries: int = 10_000):
    clock = Clock()
    upstream = Upstream(clock)
    queue = BudgetQueue(clock, RequestBudget(clock, PYPISTATS), max_entries, "pypistats")
    return clock, upstream, queue


def test_clients_first_oldest_first_one_entry_per_key():
    clock, upstream, queue = make()
    results = {}
    for n in range(5):  # the budget's first second
        queue.submit(f"warm-{n}", upstream.fetch(f"warm-{n}"), waited_for=True)
    for key, waited_for in [("r1", False), ("c1", True), ("r2", False), ("c2", True), ("c1", True)]:
        queue.submit(key, upstream.fetch(key), waited_for).addCallback(
            lambda value, key=key: results.setdefault(key, []).append(value))
    assert len(queue) == 4
    for n in range(5):
        upstream.answer(f"warm-{n}")
    clock.advance(1)
    assert [key for _, key in upstream.sent[5:]] == ["c1", "c2", "r1", "r2"]
    upstream.answer("c1")
    assert results == {"c1": ["counts of c1", "counts of c1"]}


def test_a_refresh_asked_for_by_a_client_goes_ahead():
    clock, upstream, queue = make()
    for n in range(5):
        queue.submit(f"warm-{n}", upstream.fetch(f"warm-{n}"), waited_for=True)
    queue.submit("r1", upstream.fetch("r1"), waited_for=False)
    queue.submit("r2", upstream.fetch("r2"), waited_for=False)
    queue.submit("c1", upstream.fetch("c1"), waited_for=True)
    queue.hurry("r2")
    for n in range(5):
        upstream.answer(f"warm-{n}")
    clock.advance(1)
    assert [key for _, key in upstream.sent[5:]] == ["c1", "r2", "r1"]


def test_the_budget_is_never_exceeded_and_is_used_at_once():
    """
    40 packages at once at 5/s and 30/min, each answered 0.3 s after it is sent: 30 in the
    first seven seconds, the rest as the minute's window moves, all within about 63 s; never
    6 in a second or 31 in a minute wherever between its sending and its answer the upstream
    saw each.
    """
    clock, upstream, queue = make()
    for n in range(40):
        queue.submit(f"p{n}", upstream.fetch(f"p{n}"), waited_for=True)
    answered = {}

    def answer_later() -> None:
        for key in list(upstream.pending):
            if key not in answered:
                answered[key] = clock.seconds() + 0.3
                clock.callLater(0.3, upstream.answer, key)

    while len(queue) or upstream.pending:
        answer_later()
        clock.advance(0.1)
    sent = {key: t for t, key in upstream.sent}
    assert len(sent) == 40
    for count, window in PYPISTATS:
        # the most that could arrive in a window: those sent before its end, answered after its start
        for start in answered.values():
            seen = [k for k in sent if sent[k] < start + window and answered[k] >= start]
            assert len(seen) <= count, (start, window, seen)
    times = sorted(sent.values())
    assert times[29] < 7 and 60 <= times[-1] < 63.5


def test_a_request_in_flight_holds_its_place_until_answered():
    """
    The upstream counts a request when it arrives, which may be as late as its answer: a
    window counts from the answer, and a request in flight holds its place until then.
    """
    clock = Clock()
    budget = RequestBudget(clock, [(2, 1.0)])
    assert [fired(budget.reserve()) for _ in range(3)] == [0, 0, IN_FLIGHT_POLL]
    clock.advance(5)  # long in flight: still holding their places
    assert budget.wait() == IN_FLIGHT_POLL
    budget.answered()
    assert budget.wait() == 1.0  # from the answer, not from the sending
    clock.advance(1)
    assert fired(budget.reserve()) == 0  # the place the answered one gave back
    assert budget.wait() == IN_FLIGHT_POLL
    budget.answered()
    budget.answered()
    assert budget.wait() == 1.0


def test_an_answer_wakes_the_queue():
    """
    A queue whose budget is full of requests in flight sends the next as soon as one is
    answered, not at its next poll.
    """
    clock = Clock()
    upstream = Upstream(clock)
    queue = BudgetQueue(clock, RequestBudget(clock, [(1, 1.0)]), 10, "pypistats")
    queue.submit("a", upstream.fetch("a"), waited_for=True)
    queue.submit("b", upstream.fetch("b"), waited_for=True)
    clock.advance(3)
    assert [key for _, key in upstream.sent] == ["a"]
    upstream.answer("a")
    clock.advance(1)
    assert [(t, key) for t, key in upstream.sent] == [(0, "a"), (4, "b")]


def test_the_queue_is_bounded_refreshes_make_room_for_clients():
    clock, upstream, queue = make(max_entries=3)
    for n in range(5):
        queue.submit(f"warm-{n}", upstream.fetch(f"warm-{n}"), waited_for=True)
    refreshes = [queue.submit(k, upstream.fetch(k), waited_for=False) for k in ("r1", "r2")]
    client = queue.submit("c1", upstream.fetch("c1"), waited_for=True)
    # full: a new client's fetch pushes out the oldest refresh
    queue.submit("c2", upstream.fetch("c2"), waited_for=True)
    assert fired(refreshes[0]).check(Dropped)
    # and a new refresh finds no room
    assert fired(queue.submit("r3", upstream.fetch("r3"), waited_for=False)).check(Dropped)
    queue.submit("c3", upstream.fetch("c3"), waited_for=True)
    assert fired(refreshes[1]).check(Dropped)
    # all clients': the newest is refused, none is dropped
    assert fired(queue.submit("c4", upstream.fetch("c4"), waited_for=True)).check(QueueFull)
    assert len(queue) == 3 and not client.called


def test_a_429_holds_everything_off_and_the_fetch_goes_again():
    clock, upstream, queue = make()
    answers = []
    attempts = []

    def limited():
        attempts.append(clock.seconds())
        if len(attempts) == 1:
            return fail(Retry(20, "pypistats answered 429"))
        return succeed("counts")

    queue.submit("a", limited, waited_for=True).addCallback(answers.append)
    queue.submit("b", upstream.fetch("b"), waited_for=True)
    assert attempts == [0] and upstream.sent == []
    clock.advance(19.9)
    assert upstream.sent == [] and answers == []
    clock.advance(0.1)
    # "a" first again, then "b"
    assert attempts == [0, 20] and answers == ["counts"]
    assert upstream.sent == [(20, "b")]


@pytest.mark.parametrize("waited_for", [True, False])
def test_a_failure_reaches_every_waiter(waited_for):
    clock, upstream, queue = make()
    waiters = [queue.submit("a", lambda: fail(ValueError("x")), waited_for) for _ in range(3)]
    assert all(fired(w).check(ValueError) for w in waiters)
    assert len(queue) == 0


def test_a_fetch_that_raises_fails_its_waiters_and_the_queue_goes_on():
    clock, upstream, queue = make()

    def broken() -> Deferred:
        raise RuntimeError("a fetch that raises rather than failing its Deferred")

    waiters = [queue.submit("a", broken, waited_for=True) for _ in range(2)]
    after = queue.submit("b", upstream.fetch("b"), waited_for=True)
    assert all(fired(w).check(RuntimeError) for w in waiters)
    upstream.answer("b")
    assert fired(after) == "counts of b"


class LaterBudget:
    """
    A budget that answers when the test says, as one a fleet shares answers when Redis does.
    """

    def __init__(self) -> None:
        self.asked: List[Deferred] = []
        self.answers = 0

    def reserve(self) -> Deferred:
        self.asked.append(Deferred())
        return self.asked[-1]

    def answered(self) -> None:
        self.answers += 1

    def hold(self, seconds: float) -> None:
        pass


class BrokenMetrics:
    """
    Metrics that raise when a fetch leaves the queue, until mended.
    """

    def __init__(self) -> None:
        self.broken = True

    def queued(self, upstream: str, seconds: float) -> None:
        if self.broken:
            raise ValueError("a metrics fault")

    def held(self, upstream: str) -> None:
        pass


def test_a_fault_of_the_queue_is_logged_once_and_the_queue_goes_on():
    """
    What the queue calls raises as each fetch is sent: every fetch is sent all the same and
    answers its waiters, the queue goes on pumping (its budget answering later, as a fleet's
    does), and the fault is logged once, with its traceback, then once more when it is over.
    """
    from twisted.logger import formatEvent, globalLogPublisher

    clock = Clock()
    upstream = Upstream(clock)
    budget = LaterBudget()
    metrics = BrokenMetrics()
    queue = BudgetQueue(clock, budget, 100, "pypistats", metrics)
    events: List[dict] = []
    globalLogPublisher.addObserver(events.append)
    try:
        answers = [queue.submit(key, upstream.fetch(key), waited_for=True) for key in "abc"]
        for key in "abc":
            budget.asked[-1].callback(0)
            upstream.answer(key)
        assert [fired(a) for a in answers] == ["counts of a", "counts of b", "counts of c"]
        metrics.broken = False
        last = queue.submit("d", upstream.fetch("d"), waited_for=True)
        budget.asked[-1].callback(0)
        upstream.answer("d")
        assert fired(last) == "counts of d"
        assert budget.answers == 4  # each answer told to the budget, faults or not
    finally:
        globalLogPublisher.removeObserver(events.append)
    said = [(formatEvent(e), e.get("log_failure")) for e in events if "queue" in formatEvent(e)]
    assert [text for text, _ in said] == ["The pypistats queue failed counting a fetch sent; it goes on.",
                                          "The pypistats queue goes on after 3 faults."]
    assert said[0][1].check(ValueError)
