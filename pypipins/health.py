"""
Whether the service can serve, from state it keeps anyway: what a load balancer polling
C{/healthz} every second may ask for without costing a request to Redis or an upstream.

The service can serve whenever it has somewhere to find facts: Redis (which outlives the
process and is shared), or PyPI. It cannot serve at all when Redis is away and PyPI has
failed every request for L{FAILING_FOR} seconds: then only what this process happens to
hold in memory is left, and a new instance would answer nothing but ``unavailable``.
"""

import json
from typing import Any, Dict, Mapping, Optional, Tuple

import attrs
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

#: Seconds PyPI must have failed every request, with no answer in between, before it counts
#: as gone: one timeout or a short outage is ridden out by the cache.
FAILING_FOR = 30.0

#: The upstream without which no badge but downloads can be made.
ESSENTIAL = "pypi"

_log = Logger()


@attrs.define
class UpstreamHealth:
    """
    An upstream's state, fed by its L{Fetcher}: a failure is logged when an incident begins,
    counted while it lasts, and the count logged once it answers again, so that an outage
    costs two lines of log rather than one per request.
    """

    name: str
    clock: IReactorTime
    #: Requests failed since the last answer.
    failures: int = 0
    #: When the first of them failed.
    failing_since: Optional[float] = None

    def answered(self) -> None:
        """
        The upstream answered (a 404 is an answer).
        """
        if self.failures:
            _log.info(
                "{upstream} answering again after {failures} failed requests in {seconds:.0f} s.",
                upstream=self.name, failures=self.failures,
                seconds=self.clock.seconds() - (self.failing_since or 0.0),
            )
        self.failures = 0
        self.failing_since = None

    def failed(self, reason: str) -> None:
        if not self.failures:
            self.failing_since = self.clock.seconds()
            _log.warn(
                "{upstream} failing ({reason}): serving what is kept; further failures are "
                "counted until it answers.",
                upstream=self.name, reason=reason,
            )
        self.failures += 1

    def failing_for(self) -> float:
        """
        Seconds it has failed every request; 0 while it answers.
        """
        if self.failing_since is None:
            return 0.0
        return self.clock.seconds() - self.failing_since


def can_serve(redis_connected: bool, essential_failing_for: float, patience: float) -> bool:
    """
    Whether facts can be found anywhere but in this process's memory: in Redis, or from PyPI
    unless it has failed everything for C{patience} seconds.
    """
    return redis_connected or essential_failing_for < patience


@attrs.frozen
class Health:
    """
    The answer to C{/healthz}: made from C{redis.connected} and the upstreams' states.

    @param redis: anything with a C{connected} attribute (L{pypipins.cache.RedisCache}).
    @param patience: seconds PyPI may fail everything, Redis away, before it cannot serve.
    """

    redis: Any
    upstreams: Mapping[str, UpstreamHealth]
    patience: float = FAILING_FOR

    def report(self) -> Tuple[int, bytes]:
        """
        The HTTP status (200, or 503 when it cannot serve at all) and a small JSON body.
        """
        connected = bool(self.redis.connected)
        essential = self.upstreams.get(ESSENTIAL)
        serving = can_serve(connected, essential.failing_for() if essential else 0.0, self.patience)
        upstreams: Dict[str, str] = {
            name: "failing" if upstream.failures else "ok"
            for name, upstream in self.upstreams.items()
        }
        body = {
            "status": "ok" if serving else "unavailable",
            "redis": "connected" if connected else "down",
            "upstream": upstreams,
        }
        return (200 if serving else 503), json.dumps(body).encode("ascii")
