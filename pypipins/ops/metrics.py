"""
What the service counts for Prometheus, in a registry of its own (built by C{makeService},
so that two services in one process count apart), and the resource that shows it.
"""

from typing import Callable, Dict, Iterable, Tuple

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from twisted.web.iweb import IRequest
from twisted.web.resource import Resource

#: Upper bounds, in seconds, of the upstream latency buckets: PyPI answers in tens of
#: milliseconds when well, and the timeout is 10 s.
UPSTREAM_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: Upper bounds, in seconds, of how long fetches wait in a budget's queue: none while the
#: budget has room, seconds in a burst, up to hours for refreshes after pypistats' update.
QUEUE_BUCKETS = (0.01, 0.1, 0.5, 1.0, 3.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0, 21600.0)

#: What asking an upstream origin for a turn (L{pypipins.upstream.gate}) can come to: a turn
#: at once, one after waiting, refused at once (too many wait already), or given up waiting.
TURN_OUTCOMES = ("at_once", "waited", "refused", "gave_up")

#: What a raster drawing can come to (L{pypipins.drawing.drawer}'s reasons, and ok).
RASTER_OUTCOMES = ("ok", "failed", "timed_out", "worker_died", "refused")

#: The kind and format counted for a path that is no badge: labels stay a bounded set
#: whatever clients ask for.
OTHER = "other"


class _Pending:
    """
    A counter, as the registry reads it, with what was counted apart added first.
    """

    def __init__(self, counter: Counter, add_pending: Callable[[], None]) -> None:
        self._counter = counter
        self._add_pending = add_pending

    def describe(self) -> Iterable[Metric]:
        return self._counter.describe()

    def collect(self) -> Iterable[Metric]:
        self._add_pending()
        return self._counter.collect()


class Metrics:
    """
    The counters and histograms, with the children the hot path increments looked up once.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._requests = Counter(
            "pypipins_requests", "Badge requests answered, by badge kind, format and status.",
            ["kind", "format", "status"], registry=None,
        )
        registry.register(_Pending(self._requests, self._add_ready_sent))
        # (kind, format, status) -> child: labels() takes a lock and builds a key each time
        self._request_children: Dict[Tuple[str, str, int], Counter] = {}
        # (kind, format, status) -> responses sent ready since the registry was last read: a
        # warm badge adds one to an int, not to two counters (each a lock and checks)
        self._ready_sent: Dict[Tuple[str, str, int], int] = {}
        cache = Counter(
            "pypipins_cache",
            "Cache lookups by level (ready: whole responses; memory and redis: facts, "
            "download counts and rasters) and result.",
            ["level", "result"], registry=None,
        )
        registry.register(_Pending(cache, self._add_ready_sent))
        self.ready_hit = cache.labels("ready", "hit")
        self.ready_miss = cache.labels("ready", "miss")
        self.memory_hit = cache.labels("memory", "hit")
        self.memory_miss = cache.labels("memory", "miss")
        self.redis_hit = cache.labels("redis", "hit")
        self.redis_miss = cache.labels("redis", "miss")
        self._upstream_requests = Counter(
            "pypipins_upstream_requests",
            "Requests to upstreams by outcome: ok, not_found and too_large (answers too), "
            "rate_limited (a 429), throttled (not sent: no turn under this daemon's cap in "
            "time), cancelled (the client went) or error.",
            ["upstream", "outcome"], registry=registry,
        )
        self._upstream_seconds = Histogram(
            "pypipins_upstream_seconds", "Time upstreams took to answer or fail.",
            ["upstream"], buckets=UPSTREAM_BUCKETS, registry=registry,
        )
        self.stale_answers = Counter(
            "pypipins_stale_answers",
            "Badges drawn from facts past their TTL (being refreshed, or the upstream failing).",
            registry=registry,
        )
        self._queue_seconds = Histogram(
            "pypipins_queue_wait_seconds",
            "How long fetches waited in an upstream's request budget before they were sent.",
            ["upstream"], buckets=QUEUE_BUCKETS, registry=registry,
        )
        self._rate_limited = Counter(
            "pypipins_rate_limited",
            "429 answers received (requests to that upstream held off for the time it asks).",
            ["upstream"], registry=registry,
        )
        self._queue_length = Gauge(
            "pypipins_queue_length", "Fetches waiting for an upstream's request budget.",
            ["upstream"], registry=registry,
        )
        self._turns = Counter(
            "pypipins_upstream_turns",
            "Requests to an upstream origin by how they got their turn under its cap "
            "(--upstream-concurrency, --upstream-rate): at_once, waited, refused (more were "
            "waiting than its timeout could let through) or gave_up (timed out or cancelled "
            "while waiting).",
            ["origin", "outcome"], registry=registry,
        )
        self._turn_children: Dict[Tuple[str, str], Counter] = {}
        self._in_flight = Gauge(
            "pypipins_upstream_in_flight", "Requests in flight to an upstream origin.",
            ["origin"], registry=registry,
        )
        self._waiting = Gauge(
            "pypipins_upstream_waiting",
            "Requests waiting for a turn to ask an upstream origin, under its cap.",
            ["origin"], registry=registry,
        )
        self._raster_drawings = Counter(
            "pypipins_raster_drawings",
            "Rasters drawn by the worker processes, by outcome: ok, failed (the rasterizer "
            "raised), timed_out (the worker was killed past the time limit), worker_died "
            "(it ended while drawing: a panic, an abort, a segfault) or refused (a client's "
            "logo holds what is not drawn, such as a filter: no worker tried).",
            ["outcome"], registry=registry,
        )
        for outcome in RASTER_OUTCOMES:
            self._raster_drawings.labels(outcome)
        self.raster_worker_restarts = Counter(
            "pypipins_raster_worker_restarts",
            "Raster worker processes started to replace one that ended.", registry=registry,
        )
        self.raster_failures_remembered = Counter(
            "pypipins_raster_failures_remembered",
            "Rasters answered as not drawable from a failure remembered, without a worker.",
            registry=registry,
        )

    def watch_queue(self, upstream: str, length: Callable[[], float]) -> None:
        """
        Report C{length()} as the length of C{upstream}'s queue whenever metrics are read.
        """
        self._queue_length.labels(upstream).set_function(length)

    def watch_gate(
        self, origin: str, in_flight: Callable[[], float], waiting: Callable[[], float]
    ) -> None:
        """
        Report C{in_flight()} and C{waiting()} as the requests in flight to C{origin} and
        waiting for a turn, whenever metrics are read.
        """
        self._in_flight.labels(origin).set_function(in_flight)
        self._waiting.labels(origin).set_function(waiting)
        for outcome in TURN_OUTCOMES:
            self._turns.labels(origin, outcome)

    def turn(self, origin: str, outcome: str) -> None:
        """
        A request to C{origin} got its turn, or did not: one of L{TURN_OUTCOMES}.
        """
        key = (origin, outcome)
        child = self._turn_children.get(key)
        if child is None:
            child = self._turn_children[key] = self._turns.labels(origin, outcome)
        child.inc()

    def queued(self, upstream: str, seconds: float) -> None:
        """
        A fetch leaves C{upstream}'s queue, sent after C{seconds} in it.
        """
        self._queue_seconds.labels(upstream).observe(seconds)

    def held(self, upstream: str) -> None:
        self._rate_limited.labels(upstream).inc()

    def raster_drawing(self, outcome: str) -> None:
        self._raster_drawings.labels(outcome).inc()

    def request(self, kind: str, ext: str, status: int) -> None:
        self._request_child((kind, ext, status)).inc()

    def ready_sent(self, kind: str, ext: str, status: int) -> None:
        """
        A response kept ready was sent: a request answered, and a hit of the ready level;
        counted when the registry is read.
        """
        key = (kind, ext, status)
        sent = self._ready_sent
        sent[key] = sent.get(key, 0) + 1

    def _add_ready_sent(self) -> None:
        sent, self._ready_sent = self._ready_sent, {}
        for key, count in sent.items():
            self._request_child(key).inc(count)
            self.ready_hit.inc(count)

    def _request_child(self, key: Tuple[str, str, int]) -> Counter:
        child = self._request_children.get(key)
        if child is None:
            kind, ext, status = key
            child = self._request_children[key] = self._requests.labels(kind, ext, str(status))
        return child

    def upstream(self, name: str, outcome: str, seconds: float) -> None:
        self._upstream_requests.labels(name, outcome).inc()
        self._upstream_seconds.labels(name).observe(seconds)


class MetricsPage(Resource):
    """
    The registry in Prometheus' text format, made in the reactor's thread (it takes well
    under a millisecond), for C{--metrics-port}.
    """

    isLeaf = True

    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__()
        self._registry = registry

    def render_GET(self, request: IRequest) -> bytes:
        request.setHeader("Content-Type", CONTENT_TYPE_LATEST)
        request.setHeader("Cache-Control", "no-store")
        return generate_latest(self._registry)
