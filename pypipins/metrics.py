"""
What the service counts for Prometheus, in a registry of its own (built by C{makeService},
so that two services in one process count apart), and the resource that shows it.
"""

from typing import Dict, Tuple

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from twisted.web.iweb import IRequest
from twisted.web.resource import Resource

#: Upper bounds, in seconds, of the upstream latency buckets: PyPI answers in tens of
#: milliseconds when well, and the timeout is 10 s.
UPSTREAM_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: What a raster drawing can come to (L{pypipins.drawing}'s reasons, and ok).
RASTER_OUTCOMES = ("ok", "failed", "timed_out", "worker_died")

#: The kind and format counted for a path that is no badge: labels stay a bounded set
#: whatever clients ask for.
OTHER = "other"


class Metrics:
    """
    The counters and histograms, with the children the hot path increments looked up once.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._requests = Counter(
            "pypipins_requests", "Badge requests answered, by badge kind, format and status.",
            ["kind", "format", "status"], registry=registry,
        )
        # (kind, format, status) -> child: labels() takes a lock and builds a key each time
        self._request_children: Dict[Tuple[str, str, int], Counter] = {}
        cache = Counter(
            "pypipins_cache",
            "Cache lookups by level (ready: whole responses; memory and redis: facts, "
            "download counts and rasters) and result.",
            ["level", "result"], registry=registry,
        )
        self.ready_hit = cache.labels("ready", "hit")
        self.ready_miss = cache.labels("ready", "miss")
        self.memory_hit = cache.labels("memory", "hit")
        self.memory_miss = cache.labels("memory", "miss")
        self.redis_hit = cache.labels("redis", "hit")
        self.redis_miss = cache.labels("redis", "miss")
        self._upstream_requests = Counter(
            "pypipins_upstream_requests",
            "Requests to upstreams by outcome: ok, not_found and too_large (answers too) or "
            "error.",
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

        self._raster_drawings = Counter(
            "pypipins_raster_drawings",
            "Rasters drawn by the worker processes, by outcome: ok, failed (the rasterizer "
            "raised), timed_out (the worker was killed past the time limit) or worker_died "
            "(it ended while drawing: a panic, an abort, a segfault).",
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

    def raster_drawing(self, outcome: str) -> None:
        self._raster_drawings.labels(outcome).inc()

    def request(self, kind: str, ext: str, status: int) -> None:
        key = (kind, ext, status)
        child = self._request_children.get(key)
        if child is None:
            child = self._request_children[key] = self._requests.labels(kind, ext, str(status))
        child.inc()

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
