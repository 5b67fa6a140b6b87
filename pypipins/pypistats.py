"""
pypistats.org's API: recent download counts, since PyPI's own counters are gone.
"""

from typing import Any, Optional

from twisted.internet.defer import Deferred, fail

from pypipins.budget import RequestBudget
from pypipins.facts import Downloads, Unavailable
from pypipins.upstream import Fetcher


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
    return Downloads(*counts)


class PyPIStats:
    """
    A client of the pypistats.org API at C{base_url} (C{https://pypistats.org/api}), asking
    no more than C{budget} allows.
    """

    def __init__(
        self, fetcher: Fetcher, base_url: str, budget: Optional[RequestBudget] = None
    ) -> None:
        self._fetcher = fetcher
        self._base_url = base_url.rstrip("/")
        self._budget = budget

    def url(self, name: str) -> str:
        return f"{self._base_url}/packages/{name}/recent"

    def downloads(self, name: str) -> "Deferred[Downloads]":
        """
        The recent downloads of C{name} (valid and normalised); L{Unavailable} without a
        request when the budget is spent.
        """
        if self._budget is not None and not self._budget.take():
            return fail(Unavailable("pypistats request budget spent for now"))
        return self._fetcher.json(self.url(name), condense)
