"""
pypistats.org's API: recent download counts, since PyPI's own counters are gone.

pypistats updates its counts once a day (from 01:00 UTC, for about ten minutes), so counts
fetched once are good until its next update, and it allows an address 5 requests a second
and 30 a minute: its requests wait their turn in a L{BudgetQueue}.
"""

from typing import Any, List, Optional, Tuple, cast

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from pypipins.upstream.budget import BudgetQueue, Retry
from pypipins.facts import Downloads, Unavailable
from pypipins.upstream.fetcher import Fetcher, RateLimited

#: When pypistats' counts are taken to have changed each day (UTC): its update starts at
#: 01:00 and takes about ten minutes.
REFRESH_AT = (1, 30)

#: Seconds without a request after a 429 that did not say how long to wait.
HOLD_AFTER_429 = 60.0

DAY = 24 * 60 * 60


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
    """

    def __init__(
        self, fetcher: Fetcher, base_url: str, queue: Optional[BudgetQueue] = None
    ) -> None:
        self._fetcher = fetcher
        self._base_url = base_url.rstrip("/")
        self.queue = queue

    def url(self, name: str) -> str:
        return f"{self._base_url}/packages/{name}/recent"

    def downloads(self, name: str, waited_for: bool = True) -> "Deferred[Downloads]":
        """
        The recent downloads of C{name} (valid and normalised), once the budget lets the
        request go; fails with L{NotFound} when pypistats has no counts for it (it does not
        know the package, or it had no downloads lately).

        @param waited_for: whether a client waits for the counts, rather than a refresh of
            counts already kept: those go first.
        """
        if self.queue is None:
            return self._fetch(name)
        return self.queue.submit(name, lambda: self._fetch(name).addErrback(_retried), waited_for)

    def hurry(self, name: str) -> None:
        """
        A client now waits for the counts of C{name}, queued as a refresh: ahead they go.
        """
        if self.queue is not None:
            self.queue.hurry(name)

    def _fetch(self, name: str) -> "Deferred[Downloads]":
        return self._fetcher.json(self.url(name), condense)


def _retried(failure: Failure) -> None:
    failure.trap(RateLimited)
    assert isinstance(failure.value, RateLimited)
    wait = failure.value.retry_after
    raise Retry(HOLD_AFTER_429 if wait is None else wait, failure.getErrorMessage())
