"""
Whether the service can serve, from state it keeps anyway: what a load balancer polling
C{/healthz} every second may ask for without costing a request to Redis or an upstream.

The service can serve whenever it has somewhere to find facts: Redis (which outlives the
process and is shared), or PyPI. It cannot serve at all when Redis is away and PyPI has
failed every request for L{FAILING_FOR} seconds: then only what this process happens to
hold in memory is left, and a new instance would answer nothing but ``unavailable``.
"""

import json
from typing import Any, Dict, Mapping, Protocol, Sized, Tuple

import attrs
from twisted.internet.interfaces import IReactorTime

from pypipins.ops.incidents import Incident

#: Seconds PyPI must have failed every request, with no answer in between, before it counts
#: as gone: one timeout or a short outage is ridden out by the cache.
FAILING_FOR = 30.0

#: The upstream without which no badge but downloads can be made.
ESSENTIAL = "pypi"


class UpstreamHealth(Incident):
    """
    An upstream's state, fed by its L{Fetcher}: an outage costs two lines of log rather than
    one per request, and tells C{/healthz} how long PyPI has failed.
    """

    def __init__(self, name: str, clock: IReactorTime) -> None:
        super().__init__(
            name, clock, "serving what is kept; further failures are counted until it answers."
        )


def can_serve(redis_connected: bool, essential_failing_for: float, patience: float) -> bool:
    """
    Whether facts can be found anywhere but in this process's memory: in Redis, or from PyPI
    unless it has failed everything for C{patience} seconds.
    """
    return redis_connected or essential_failing_for < patience


class Connected(Protocol):
    """
    What health asks of Redis' client (L{pypipins.store.redis.RedisConnection}).
    """

    @property
    def connected(self) -> bool:
        """
        Whether a connection is up now.
        """


@attrs.frozen
class Health:
    """
    The answer to C{/healthz}: made from C{redis.connected} and the upstreams' states.

    @param redis: Redis' client, whose connection is reported.
    @param patience: seconds PyPI may fail everything, Redis away, before it cannot serve.
    @param queues: the queues of upstreams' request budgets, by upstream (anything with a
        length): reported, never weighing in the status.
    """

    redis: Connected
    upstreams: Mapping[str, UpstreamHealth]
    patience: float = FAILING_FOR
    queues: Mapping[str, Sized] = attrs.field(factory=dict)

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
        body: Dict[str, Any] = {
            "status": "ok" if serving else "unavailable",
            "redis": "connected" if connected else "down",
            "upstream": upstreams,
        }
        if self.queues:
            body["queued"] = {name: len(queue) for name, queue in self.queues.items()}
        return (200 if serving else 503), json.dumps(body).encode("ascii")
