"""
A budget of upstream requests, at most so many per second and per minute as pypistats.org
asks of its clients (5 a second and 30 a minute per address), and the queue where requests
wait their turn within it: past the budget a request waits, it is never refused.
"""

from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict, deque
from typing import Any, Callable, Deque, List, Optional, Protocol, Sequence, Tuple

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from pypipins.ops.incidents import Incident
from pypipins.ops.metrics import Metrics


#: Seconds added to each window of an upstream's limits: the upstream counts requests as
#: they arrive, by a clock of its own, and two sent a window apart may arrive closer (the
#: first waited longer for its connection), which would be one too many.
ARRIVAL_MARGIN = 0.25

#: Seconds a request spent from a budget counts as in flight until it is L{Budget.answered}:
#: the upstream counts it when it arrives, which may be any time before its answer (on a
#: loaded machine, well after it was sent: issue 24's CI saw a 429 so), so a window is
#: counted from the answer, and until then the request holds its place. Longer than a
#: fetch may take (L{pypipins.upstream.fetcher.DEFAULT_TIMEOUT}), so that a place is given
#: back only by an answer, or by a daemon gone (its places in a fleet's budget lapse).
IN_FLIGHT_BOUND = 15.0

#: Seconds before a budget whose window is full of requests in flight is asked again: an
#: answer may come at any moment (a daemon's own answers wake its queue at once).
IN_FLIGHT_POLL = 0.25


class Budget(Protocol):
    """
    Where a L{BudgetQueue} spends: a daemon's own L{RequestBudget}, or one a fleet shares
    (L{pypipins.store.fleet.SharedBudget}), which must ask Redis.
    """

    def reserve(self) -> "Deferred[float]":
        """
        0 when a request has been spent from the budget, in flight until L{answered}; else
        the seconds until one may be, and nothing spent.
        """

    def answered(self) -> None:
        """
        The request spent longest ago of those still in flight has its answer: it counts
        from now (the upstream saw it at the latest now). Taking the oldest rather than the
        one answered counts no request earlier than it may have arrived.
        """

    def hold(self, seconds: float) -> None:
        """
        Spend nothing for C{seconds}.
        """


#: Seconds before a budget that failed to answer is asked again.
RESERVE_FAILED_WAIT = 1.0


class RequestBudget:
    """
    At most C{count} requests in any C{seconds} (plus C{margin}), for each C{(count, seconds)}
    of C{limits}: moving windows, as pypistats' Flask-Limiter counts them.

    A request L{take}n counts from then; one L{reserve}d holds its place from then until it
    is L{answered}, and counts from its answer.
    """

    def __init__(
        self, clock: IReactorTime, limits: Sequence[Tuple[int, float]], margin: float = 0.0
    ) -> None:
        self._clock = clock
        self._limits = tuple((count, seconds + margin) for count, seconds in limits)
        self._longest = max(seconds for _, seconds in self._limits)
        #: When each request counts from, in order; one in flight at its send plus
        #: L{IN_FLIGHT_BOUND}, which no answered one reaches.
        self._sent: List[float] = []
        #: The places of the requests in flight, oldest first.
        self._flying: Deque[float] = deque()
        self._held_until = 0.0

    def wait(self) -> float:
        """
        Seconds until a request fits in the budget; 0 when one does now.
        """
        now = self._clock.seconds()
        del self._sent[: bisect_right(self._sent, now - self._longest)]
        wait = max(0.0, self._held_until - now)
        for count, seconds in self._limits:
            if len(self._sent) >= count and now - self._sent[-count] < seconds:
                if self._sent[-count] > now:
                    # the window is full of requests in flight: until one is answered
                    wait = max(wait, IN_FLIGHT_POLL)
                else:
                    # the count-th latest request must leave the window first
                    wait = max(wait, self._sent[-count] + seconds - now)
        return wait

    def take(self) -> bool:
        """
        Spend one request, counted from now, if the budget allows it now; C{False} (and
        nothing spent) if not.
        """
        if self.wait() > 0:
            return False
        insort(self._sent, self._clock.seconds())
        return True

    def reserve(self) -> "Deferred[float]":
        wait = self.wait()
        if wait == 0:
            place = self._clock.seconds() + IN_FLIGHT_BOUND
            insort(self._sent, place)
            self._flying.append(place)
        return succeed(wait)

    def answered(self) -> None:
        if not self._flying:
            return
        place = self._flying.popleft()
        at = bisect_left(self._sent, place)
        if at < len(self._sent) and self._sent[at] == place:
            del self._sent[at]
        insort(self._sent, self._clock.seconds())

    def hold(self, seconds: float) -> None:
        """
        Spend nothing for C{seconds}: the upstream said the address had asked too much
        (someone else on it may share the allowance).
        """
        self._held_until = max(self._held_until, self._clock.seconds() + seconds)


class QueueFull(Exception):
    """
    The queue holds as many fetches as it may, all of them waited for by clients.
    """


class Dropped(Exception):
    """
    A background refresh dropped from a full queue for a fetch a client waits for, or that
    found no room in it.
    """


class Retry(Exception):
    """
    Raised by a fetch that should be made again later, after C{hold} seconds without any
    request (the upstream answered 429).
    """

    def __init__(self, hold: float, reason: str) -> None:
        super().__init__(reason)
        self.hold = hold


class _Entry:
    def __init__(self, fetch: Callable[[], "Deferred[Any]"], since: float) -> None:
        self.fetch = fetch
        self.since = since
        self.waiters: List[Deferred[Any]] = []


class BudgetQueue:
    """
    Fetches waiting for a L{RequestBudget}, one entry per key however many ask for it, sent
    as soon as the budget allows: first those a client waits for, oldest first, then
    background refreshes.

    A fetch that asks to be retried (L{Retry}: the upstream answered 429) goes back to the
    head of its class, and nothing is sent for the time it asks; that is logged once per
    incident, which ends at the next fetch that does not ask it.

    A fault of the queue's own (what it calls raising: metrics, a budget, a clock) is logged
    once, with its traceback, until a fetch is sent without one again; the queue goes on
    (after L{RESERVE_FAILED_WAIT} seconds where it stood still), and every waiter gets an
    answer or a failure.

    @param max_entries: entries queued at most; past it the oldest refresh is dropped, and a
        fetch a client waits for is refused only when every entry is one.
    @param name: the upstream's, in the log and the metrics.
    """

    def __init__(
        self,
        clock: IReactorTime,
        budget: Budget,
        max_entries: int,
        name: str,
        metrics: Optional[Metrics] = None,
    ) -> None:
        self._clock = clock
        self._budget = budget
        self._max_entries = max_entries
        self._name = name
        self._metrics = metrics
        self._holding = Incident(
            f"{name} budget", clock,
            "sending nothing for the time it asks; counts kept are served, others wait.",
            unit="requests (429)",
        )
        self._clients: OrderedDict[str, _Entry] = OrderedDict()
        self._refreshes: OrderedDict[str, _Entry] = OrderedDict()
        self._timer: Optional[IDelayedCall] = None
        #: Whether the budget is being asked for a place (a shared one answers later).
        self._reserving = False
        #: Whether L{_pump}'s loop runs, which a budget that answers at once feeds.
        self._pumping = False
        #: Faults of the queue's own since it last ran without one.
        self._faults = 0

    def __len__(self) -> int:
        return len(self._clients) + len(self._refreshes)

    def __contains__(self, key: str) -> bool:
        return key in self._clients or key in self._refreshes

    def submit(
        self, key: str, fetch: Callable[[], "Deferred[Any]"], waited_for: bool
    ) -> "Deferred[Any]":
        """
        What C{fetch()} gives once the budget lets it be sent; the entry already queued for
        C{key}, if any, is shared (and moved ahead of the refreshes when C{waited_for}).

        @param waited_for: whether a client waits for it, rather than a background refresh.
        """
        result: Deferred[Any] = Deferred()
        if waited_for:
            self.hurry(key)
        entry = self._clients.get(key) or self._refreshes.get(key)
        if entry is None:
            if len(self) >= self._max_entries and not self._make_room(waited_for):
                full = QueueFull if waited_for else Dropped
                result.errback(Failure(full(f"no room among {len(self)} fetches queued")))
                return result
            entry = _Entry(fetch, self._clock.seconds())
            (self._clients if waited_for else self._refreshes)[key] = entry
        entry.waiters.append(result)
        self._pump()
        return result

    def hurry(self, key: str) -> None:
        """
        Move the refresh queued for C{key}, if any, among the fetches clients wait for.
        """
        entry = self._refreshes.pop(key, None)
        if entry is not None:
            self._clients[key] = entry

    def _make_room(self, waited_for: bool) -> bool:
        if not waited_for or not self._refreshes:
            return False
        _, oldest = self._refreshes.popitem(last=False)
        _fire(oldest.waiters, Failure(Dropped("dropped from a full queue")))
        return True

    def _pump(self) -> None:
        """
        Send what the budget allows now, and come back when it allows the next.
        """
        if self._pumping or self._reserving:
            return
        if self._timer is not None:
            if self._timer.active():
                return
            self._timer = None
        self._pumping = True
        try:
            # a budget of this process answers at once: loop rather than recurse
            while len(self) and not self._reserving and self._timer is None:
                self._reserving = True
                try:
                    reserving = self._budget.reserve()
                except Exception:
                    self._reserving = False
                    self._fault("asking its budget", pause=True)
                    break
                reserving.addBoth(self._reserved)
        finally:
            self._pumping = False

    def _reserved(self, wait: Any) -> None:
        self._reserving = False
        try:
            if isinstance(wait, Failure):
                wait = RESERVE_FAILED_WAIT  # a budget's own fault: not spent, asked again
            if wait > 0:
                self._timer = self._clock.callLater(wait, self._pump)
            elif len(self):
                queue = self._clients if self._clients else self._refreshes
                key, entry = queue.popitem(last=False)
                self._send(key, entry, queue is self._clients)
        except Exception:
            self._fault("sending the next fetch", pause=True)
            return
        self._pump()

    def _fault(self, doing: str, pause: bool = False) -> None:
        """
        Something the queue called raised while C{doing}: logged once per incident. With
        C{pause}, where the queue stood still, it pumps again in L{RESERVE_FAILED_WAIT}
        seconds, not at once: the fault may well happen again, and a loop must not spin.
        """
        if not self._faults:
            _log.failure(
                "The {name} queue failed {doing}; it goes on.", name=self._name, doing=doing
            )
        self._faults += 1
        if not pause:
            return
        try:
            if self._timer is None or not self._timer.active():
                self._timer = self._clock.callLater(RESERVE_FAILED_WAIT, self._pump)
        except Exception:
            # with no clock left there is nothing to pump by; the next submit pumps
            self._timer = None

    def _send(self, key: str, entry: _Entry, waited_for: bool) -> None:
        """
        Send C{entry}'s fetch, whose outcome reaches every waiter whatever fails here.
        """
        try:
            if self._metrics is not None:
                self._metrics.queued(self._name, self._clock.seconds() - entry.since)
        except Exception:
            self._fault("counting a fetch sent")
        else:
            if self._faults:
                _log.info(
                    "The {name} queue goes on after {faults} faults.",
                    name=self._name, faults=self._faults,
                )
                self._faults = 0

        def done(result: Any) -> None:
            try:
                # whatever the outcome, the request is no longer in flight
                self._budget.answered()
            except Exception:
                self._fault("telling its budget of an answer")
            try:
                if isinstance(result, Failure) and isinstance(result.value, Retry):
                    retry = result.value
                    self._budget.hold(retry.hold)
                    self._holding.failed(f"{retry}; holding off {retry.hold:.0f} s")
                    if self._metrics is not None:
                        self._metrics.held(self._name)
                    self._requeue(key, entry, waited_for)
                    return
                self._holding.answered()
            except Exception:
                self._fault("taking a fetch's outcome")
                if any(e is entry for e in (*self._clients.values(), *self._refreshes.values())):
                    return  # requeued before the fault: its waiters still wait their turn
            _fire(entry.waiters, result)
            self._wake()

        # a fetch that raises rather than failing its Deferred fails its waiters all the same
        maybeDeferred(entry.fetch).addBoth(done)

    def _wake(self) -> None:
        """
        A place given back may let the next fetch go now: ask the budget again rather than
        wait out a timer set while the window was full.
        """
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
            self._timer = None
        self._pump()


    def _requeue(self, key: str, entry: _Entry, waited_for: bool) -> None:
        # back at the head of its class, the waiters still waiting; a client that asked
        # for the key meanwhile made an entry of its own, whose waiters join this one
        queue = self._clients if waited_for or key in self._clients else self._refreshes
        joined = self._clients.pop(key, None) or self._refreshes.pop(key, None)
        if joined is not None:
            entry.waiters.extend(joined.waiters)
        queue[key] = entry
        queue.move_to_end(key, last=False)
        self._pump()


_log = Logger()


def _fire(waiters: List["Deferred[Any]"], result: Any) -> None:
    for waiter in waiters:
        waiter.callback(result)  # a Failure runs each waiter's errbacks
