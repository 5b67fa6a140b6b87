"""
A cap on what one upstream origin is asked: at most so many requests in flight and so many
begun in any second. Past either, a request waits its turn, first come first served, for as
long as its own timeout allows; one that cannot get a turn in that time (the turns ahead of it
take longer at the rate allowed) is refused at once rather than queued for nothing. So clients
asking for thousands of made-up names cannot turn the service into a flood against PyPI, nor
hold hundreds of connections open to it.
"""

from collections import deque
from typing import Deque, Optional

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime

from pypipins.facts import Unavailable
from pypipins.ops.metrics import Metrics
from pypipins.upstream.budget import ARRIVAL_MARGIN, RequestBudget

#: Requests in flight to one upstream origin at most, by default: a browser opens six
#: connections to a host, pip ten; badges of many packages are many small documents.
CONCURRENCY = 10

#: Requests begun a second to one upstream origin at most, by default: a service with tens of
#: thousands of packages refreshed every ten minutes (the TTL) needs a few tens a second.
PER_SECOND = 40


class Throttled(Unavailable):
    """
    The upstream was not asked: this daemon's own cap on requests to it would not give the
    request a turn within its time. The upstream is not failing; the badge is unavailable.
    """


class Gate:
    """
    Turns to ask an upstream origin (C{name} in the metrics and the log), at most
    C{concurrency} in flight and C{per_second} begun in any second.

    A request takes its turn with L{enter} and gives it back with L{leave} once its answer is
    read (or has failed); cancelling what L{enter} gave leaves the queue.
    """

    def __init__(
        self,
        clock: IReactorTime,
        name: str,
        concurrency: int = CONCURRENCY,
        per_second: int = PER_SECOND,
        metrics: Optional[Metrics] = None,
    ) -> None:
        self._clock = clock
        self.name = name
        self._concurrency = concurrency
        self._per_second = per_second
        # counted as the upstream counts them, as they arrive: a request may wait longer for
        # its connection (or for a busy reactor) than the one after it
        self._started = RequestBudget(clock, [(per_second, 1.0)], ARRIVAL_MARGIN)
        self._metrics = metrics
        self._waiting: Deque[Deferred[None]] = deque()
        self._timer: Optional[IDelayedCall] = None
        #: Requests that have a turn and have not given it back.
        self.in_flight = 0
        if metrics is not None:
            metrics.watch_gate(name, lambda: self.in_flight, lambda: len(self._waiting))

    @property
    def waiting(self) -> int:
        """
        Requests waiting for a turn.
        """
        return len(self._waiting)

    def enter(self, patience: float) -> "Deferred[None]":
        """
        Fires when the request may be sent: at once if there is room, else when its turn
        comes. Fails with L{Throttled} at once when more are waiting than can be let through
        in C{patience} seconds at the rate allowed, so that the queue holds no more than its
        requests' timeouts can use.
        """
        if not self._waiting and self.in_flight < self._concurrency and self._started.take():
            self.in_flight += 1
            self._count("at_once")
            return succeed(None)
        if len(self._waiting) >= self._per_second * patience:
            self._count("refused")
            return fail(Throttled(
                f"{self.name}: {len(self._waiting)} requests already wait for a turn, more "
                f"than {self._per_second} a second can let through in {patience:g} s"
            ))
        turn: Deferred[None] = Deferred(self._gave_up)
        self._waiting.append(turn)
        self._pump()
        return turn

    def leave(self) -> None:
        """
        A request's answer is read, or it failed: its turn goes to the next.
        """
        self.in_flight -= 1
        self._pump()

    def _gave_up(self, turn: "Deferred[None]") -> None:
        # cancelled while waiting (its time ran out, or its client went): out of the queue
        self._waiting.remove(turn)
        self._count("gave_up")

    def _pump(self) -> None:
        while self._waiting and self.in_flight < self._concurrency:
            wait = self._started.wait()
            if wait > 0:
                if self._timer is None or not self._timer.active():
                    self._timer = self._clock.callLater(wait, self._pump)
                return
            self._started.take()
            self.in_flight += 1
            turn = self._waiting.popleft()
            self._count("waited")
            # may run the request on to its end, and leave() again: the loop reads the
            # state afresh each time round
            turn.callback(None)

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.turn(self.name, outcome)
