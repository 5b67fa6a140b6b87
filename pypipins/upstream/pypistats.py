"""
pypistats.org's API: recent download counts, since PyPI's own counters are gone.

pypistats updates its counts once a day (from 01:00 UTC, for about ten minutes), so counts
fetched once are good until its next update (L{PyPIStats.fresh_until}), and it allows an
address 5 requests a second and 30 a minute: its requests wait their turn in a L{BudgetQueue},
and a client waits a few seconds at most for counts waiting there (L{PyPIStats.in_time}).
"""

from typing import Any, List, NoReturn, Optional, Tuple, TypeVar, cast

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from pypipins.facts import Downloads, Queued, Unavailable
from pypipins.upstream.budget import BudgetQueue, Dropped, QueueFull, Retry
from pypipins.upstream.fetcher import Fetcher, RateLimited, decode_json, of_body

#: When pypistats' counts are taken to have changed each day (UTC): its update starts at
#: 01:00 and takes about ten minutes.
REFRESH_AT = (1, 30)

#: Seconds without a request after a 429 that did not say how long to wait.
HOLD_AFTER_429 = 60.0

#: Seconds a request waits for download counts that wait their turn in pypistats' budget:
#: image proxies such as GitHub's give up after a few seconds.
DOWNLOADS_WAIT = 3.0

#: Packages whose counts may wait for the budget at once, by default. Each holds a fetch
#: under way (its claim in the fleet, its waiters, its place): some 9 KB on CPython 3.11
#: (bench/soak.py's probe, 5,000 packages' counts gone stale at --stats-refresh-at). At 30
#: requests a minute, 2,000 is more than an hour of pypistats' budget; a refresh dropped past
#: it is queued again by the next request for its badge, which is answered from the counts
#: kept meanwhile. 10,000 held 90 MB on a daily update and renewed as many claims in Redis.
STATS_QUEUE = 2_000

DAY = 24 * 60 * 60

T = TypeVar("T")


class NoRoom(Unavailable):
    """
    pypistats' budget has no room for the request (its queue full of requests clients wait
    for, or a refresh dropped for one): pypistats did not fail, and asked again the budget
    may have room.
    """


def condense(document: Any) -> Downloads:
    """
    The counts of a C{/packages/<name>/recent} document.

    @raise Unavailable: when the document is not of that shape.
    """
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise Unavailable("not a pypistats document")
    counts = [data.get(key) for key in ("last_day", "last_week", "last_month")]
    # bool is an int in Python, but never a count
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in counts):
        raise Unavailable("a pypistats document without counts")
    return Downloads(*cast(List[int], counts))


def read(body: bytes) -> Downloads:
    """
    The counts of the C{/packages/<name>/recent} document C{body}.

    @raise Unavailable: when it is not JSON, or not of that shape.
    """
    return condense(decode_json(body))


def parse_time_of_day(text: str) -> Tuple[int, int]:
    """
    C{(hours, minutes)} of C{HH:MM}.

    @raise ValueError: for anything else.
    """
    hours, colon, minutes = text.partition(":")
    if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r} is not HH:MM")
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return int(hours), int(minutes)


def next_update(fetched_at: float, at: Tuple[int, int] = REFRESH_AT) -> float:
    """
    When counts fetched at C{fetched_at} (seconds since the epoch) may next have changed: the
    first C{at} (hours, minutes UTC) after it.
    """
    today = fetched_at - fetched_at % DAY + at[0] * 3600 + at[1] * 60
    return today if today > fetched_at else today + DAY


class PyPIStats:
    """
    A client of the pypistats.org API at C{base_url} (C{https://pypistats.org/api}), its
    requests sent as C{queue} allows, or at once without one.

    @param refresh_at: when pypistats' counts change each day, C{(hours, minutes)} UTC:
        counts are fresh until then.
    @param wait: seconds a client waits for counts before L{Queued} (L{in_time}).
    """

    def __init__(
        self,
        fetcher: Fetcher,
        base_url: str,
        queue: Optional[BudgetQueue] = None,
        *,
        refresh_at: Tuple[int, int] = REFRESH_AT,
        wait: float = DOWNLOADS_WAIT,
    ) -> None:
        self._fetcher = fetcher
        self._base_url = base_url.rstrip("/")
        self.queue = queue
        self._refresh_at = refresh_at
        self._wait = wait

    def url(self, name: str) -> str:
        return f"{self._base_url}/packages/{name}/recent"

    def downloads(self, name: str, waited_for: bool = True) -> "Deferred[Downloads]":
        """
        The recent downloads of C{name} (valid and normalised), once the budget lets the
        request go; fails with L{NotFound} when pypistats has no counts for it (it does not
        know the package, or it had no downloads lately), with L{NoRoom} when the budget has
        none for the request, and with L{Unavailable} when pypistats fails.

        @param waited_for: whether a client waits for the counts, rather than a refresh of
            counts already kept: those go first.
        """
        if self.queue is None:
            return self._fetch(name)
        d = self.queue.submit(name, lambda: self._fetch(name).addErrback(_retried), waited_for)
        return d.addErrback(_no_room, name)

    def fresh_until(self, fetched_at: float) -> float:
        """
        Until when counts fetched at C{fetched_at} are fresh: pypistats' next daily update.
        """
        return next_update(fetched_at, self._refresh_at)

    def in_time(self, counts: "Deferred[T]", name: str) -> "Deferred[T]":
        """
        What C{counts} gives, if it does within the seconds a client waits; else L{Queued}
        (C{counts} goes on, and a later request finds what it gives).
        """
        answer: Deferred[T] = Deferred()
        timer = self._fetcher.clock.callLater(self._wait, _late, answer, name, self._wait)
        counts.addBoth(_in_time, answer, timer)
        return answer

    def hurry(self, name: str) -> None:
        """
        A client now waits for the counts of C{name}, queued as a refresh: ahead they go.
        """
        if self.queue is not None:
            self.queue.hurry(name)

    def _fetch(self, name: str) -> "Deferred[Downloads]":
        return self._fetcher.fetch(self.url(name), of_body(read))


def _late(answer: "Deferred[Any]", name: str, seconds: float) -> None:
    answer.errback(Queued(f"{name}: still queued after {seconds} s"))


def _in_time(result: Any, answer: "Deferred[Any]", timer: Any) -> None:
    if timer.active():
        timer.cancel()
        answer.callback(result)


def _no_room(failure: Failure, name: str) -> NoReturn:
    failure.trap(QueueFull, Dropped)
    raise NoRoom(f"{name}: {failure.getErrorMessage()}")


def _retried(failure: Failure) -> None:
    failure.trap(RateLimited)
    assert isinstance(failure.value, RateLimited)
    wait = failure.value.retry_after
    raise Retry(HOLD_AFTER_429 if wait is None else wait, failure.getErrorMessage())
