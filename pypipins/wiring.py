"""
The small builders both daemons are wired from (C{twistd pypipins}'s L{pypipins.tap} and
C{twistd shields}' L{pypipins.shields_tap}): each takes the options and the parts it needs,
builds one part, and adds to C{top} the services it starts.

Imported by the plugins' C{makeService} only, once twistd has installed the reactor asked
for: what this imports (the reactor itself, klein under web/) installs the default one when
imported.
"""

import gc
import sys
from typing import Any, Callable, Dict, Mapping, Optional

import attrs
from prometheus_client import CollectorRegistry
from treq.client import HTTPClient
from twisted.application.service import IService, IServiceCollection, MultiService, Service
from twisted.application.strports import service as endpointService
from twisted.internet import reactor as installed_reactor
from twisted.logger import globalLogPublisher
from twisted.python import usage
from twisted.python.threadpool import ThreadPool
from twisted.web.client import Agent
from twisted.web.resource import IResource, Resource

from pypipins.badges.pipeline import Pipeline
from pypipins.drawing.images import SHIELDS_TIMEOUT, Images, LocalImages, ShieldsImages
from pypipins.drawing.pool import DrawingPool
from pypipins.ops.collector import PacedCollector
from pypipins.ops.health import Health, UpstreamHealth
from pypipins.ops.metrics import Metrics, MetricsPage
from pypipins.ops.openfiles import AcceptFailures, OpenFilesLimit
from pypipins.render import logos
from pypipins.store.cache import IMAGES_IN_MEMORY, MiB, FallbackCache, MemoryCache, RedisCache
from pypipins.store.redis import RedisConnection
from pypipins.store.fleet import Claims, SharedBudget, owner_name
from pypipins.store.lookup import Lookup
from pypipins.upstream import indexes
from pypipins.upstream.budget import ARRIVAL_MARGIN, BudgetQueue
from pypipins.upstream.fetcher import Condensing, Fetcher, Origin, QuietPool, origin, shown
from pypipins.upstream.gate import Gate
from pypipins.upstream.pypi import PyPI
from pypipins.upstream.pypistats import PyPIStats
from pypipins.upstream.simple import SimpleIndex
from pypipins.web.accesslog import access_log
from pypipins.web.clients import Clients
from pypipins.web.draining import Counted, Draining, InFlight, InTurn
from pypipins.web.limits import limited_site
from pypipins.web.routes import BadgeSite
from pypipins.web.static_badges import ShieldsSite


# -- what the process needs before its ports listen ------------------------------------------


class LogoTable(Service):
    """
    simple-icons' table (L{logos}) read when the daemon starts, before its port listens.
    Read at the first badge with a logo instead, it held the reactor 0.1-0.2 s, and that
    request and every one beside it waited.
    """

    def privilegedStartService(self) -> None:
        # twistd binds ports in this phase, in the services' order: read before the port
        # listens, so that a client (or a test) seeing the port open finds the daemon ready
        super().privilegedStartService()
        logos.load()

    def startService(self) -> None:
        # started without the privileged phase (a service started in-process): read now,
        # once (the table is kept)
        super().startService()
        logos.load()


#: Objects allocated before CPython's youngest generation is collected (700 by default). Each
#: request allocates a few hundred; collecting less often, with what start-up made frozen out
#: of the collector's sight, took the p99 of warm badges from 22-25 ms to about 15 ms here.
GC_THRESHOLD = (20_000, 20, 20)


#: Seconds a thread keeps the interpreter's lock while another waits for it (5 ms by default).
#: While a condensing thread reads a document of megabytes, the reactor's thread waits that
#: long for the lock at each of its wake-ups: 1 ms took warm badges' median beside a 3.5 MB
#: Simple page being condensed from 12 ms to 4-5 ms here (bench/trust/probe_bigsimple.py).
SWITCH_INTERVAL = 0.001


class InterpreterTuning(Service):
    """
    The interpreter tuned for a server that keeps caches and condenses beside its reactor:
    CPython's collector (PyPy's is paced by L{PacedCollector}), and the lock
    handed between threads sooner (both interpreters).
    """

    def startService(self) -> None:
        super().startService()
        if hasattr(gc, "freeze"):
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLD)
        sys.setswitchinterval(SWITCH_INTERVAL)


def process(top: IServiceCollection, reactor: Any) -> None:
    """
    What either daemon's process needs before its ports: the open files' limit raised (what
    the ports accept counts against it), PyPy's major collections paced, failures to accept
    logged, simple-icons' table read (no request waits for it).
    """
    OpenFilesLimit().setServiceParent(top)
    PacedCollector().setServiceParent(top)
    LogoTable().setServiceParent(top)
    AcceptFailures(reactor, globalLogPublisher).setServiceParent(top)


# -- drawing ---------------------------------------------------------------------------------


def drawers(
    config: usage.Options, reactor: Any, top: IServiceCollection, metrics: Optional[Metrics] = None
) -> DrawingPool:
    """
    The raster workers (C{--raster-*}): rasters are drawn in worker processes, never in the
    daemon, since a rasterizer may abort.
    """
    pool = DrawingPool(
        reactor, metrics, workers=config["raster-workers"], time_limit=config["raster-timeout"],
        max_waiting=config["raster-queue"],
    )
    pool.setServiceParent(top)
    return pool


def images(
    config: usage.Options, reactor: Any, pool: DrawingPool, cache: FallbackCache,
    metrics: Metrics, http: HTTPClient,
) -> Images:
    """
    The badge daemon's pictures: drawn here, or by C{--shields-url}'s server when given,
    which draws here instead when it fails.
    """
    image_memory = config["image-memory"] * MiB
    local = LocalImages(MemoryCache(reactor, image_memory), pool, cache, metrics)
    if config["shields-url"] is None:
        return local
    # its failures are logged once per incident by ShieldsImages, which draws instead
    return ShieldsImages(
        Fetcher(http, reactor, SHIELDS_TIMEOUT, "shields", metrics=metrics),
        config["shields-url"], local, MemoryCache(reactor, image_memory), reactor,
    )


# -- where facts come from and are kept -----------------------------------------------------


def redis(config: usage.Options, reactor: Any, top: IServiceCollection) -> RedisConnection:
    """
    The connection to C{--redis}, which the cache, the fleet's claims and budget share.
    """
    connection = RedisConnection.at(reactor, config["redis-address"])
    connection.setName("redis")
    connection.setServiceParent(top)
    return connection


#: Threads that decode and condense big documents beside the reactor's. One: they take turns
#: with the reactor's thread for the interpreter's lock anyway, and each holds a parsed
#: document of megabytes while it works.
CONDENSING_THREADS = 1


class ThreadPoolService(Service):
    """
    A thread pool that runs while the service does.
    """

    def __init__(self, threads: int, name: str) -> None:
        self.pool = ThreadPool(0, threads, name)

    def startService(self) -> None:
        super().startService()
        self.pool.start()

    def stopService(self) -> None:
        super().stopService()
        self.pool.stop()


def upstream_client(config: usage.Options, reactor: Any) -> HTTPClient:
    """
    The HTTP client every upstream is asked through.
    """
    connections = QuietPool(reactor)
    # as many kept open for reuse as may be in flight to a host, rather than Twisted's 2:
    # a burst under the cap then costs no new connections (and TLS handshakes) after it
    connections.maxPersistentPerHost = config["upstream-concurrency"]
    return HTTPClient(Agent(reactor, pool=connections))


@attrs.frozen
class Upstreams:
    """
    The upstreams by name (C{pypi}, C{pypi-simple}, C{pypistats}, C{index:<name>}): a
    L{Fetcher} for each, and their health.
    """

    fetcher: Callable[[str], Fetcher]
    health: Mapping[str, UpstreamHealth]


def upstreams(
    config: usage.Options, reactor: Any, http: HTTPClient, metrics: Metrics,
    top: IServiceCollection,
) -> Upstreams:
    """
    The upstreams the options name, each fetched within C{--upstream-timeout} under its
    origin's cap, big documents condensed beside the reactor.
    """
    condensing_threads = ThreadPoolService(CONDENSING_THREADS, "condensing")
    condensing_threads.setServiceParent(top)
    condensing = Condensing(reactor, condensing_threads.pool)
    bases = {"pypi": config["pypi-url"], "pypi-simple": config["simple-url"],
             "pypistats": config["stats-url"]}
    bases.update((f"index:{index.name}", index.url) for index in config["indexes"])
    health = {name: UpstreamHealth(name, reactor) for name in bases}
    # one cap per origin: PyPI's JSON and Simple APIs (one host) are one upstream to PyPI
    gates: Dict[Origin, Gate] = {}
    for base in bases.values():
        if origin(base) not in gates:
            gates[origin(base)] = Gate(
                reactor, shown(origin(base)), config["upstream-concurrency"],
                config["upstream-rate"], metrics,
            )

    def fetcher(name: str) -> Fetcher:
        return Fetcher(
            http, reactor, config["upstream-timeout"], name, health[name], metrics, condensing,
            gates[origin(bases[name])],
        )

    return Upstreams(fetcher, health)


def stats_queue(
    config: usage.Options, reactor: Any, connection: RedisConnection, metrics: Metrics, owner: str
) -> BudgetQueue:
    """
    The queue of pypistats' requests, within the budget the daemons sharing the Redis spend
    together (C{--stats-per-second}, C{--stats-per-minute}, C{--fleet-size}).
    """
    budget = SharedBudget(
        connection, reactor, "pypistats",
        [(config["stats-per-second"], 1.0), (config["stats-per-minute"], 60.0)],
        ARRIVAL_MARGIN, owner, config["fleet-size"],
    )
    queue = BudgetQueue(reactor, budget, config["stats-queue"], "pypistats", metrics)
    metrics.watch_queue("pypistats", lambda: len(queue))
    return queue


def lookup(
    config: usage.Options, reactor: Any, cache: FallbackCache, connection: RedisConnection,
    sources: Upstreams, queue: BudgetQueue, owner: str,
) -> Lookup:
    """
    The facts of PyPI, pypistats and the C{--index}es, kept in C{cache}, fetched once for
    the daemons that share the Redis (their claims).
    """
    fetcher = sources.fetcher
    index_sources = indexes.sources(config["indexes"], fetcher, reactor)
    return Lookup(
        cache,
        PyPI(fetcher("pypi"), config["pypi-url"]),
        PyPIStats(
            fetcher("pypistats"), config["stats-url"], queue,
            refresh_at=config["refresh-at"], wait=config["downloads-wait"],
        ),
        reactor,
        config["cache-ttl"],
        indexes=index_sources,
        simple=SimpleIndex(fetcher("pypi-simple"), reactor, config["simple-url"]),
        simple_indexes=indexes.simple_sources(index_sources),
        claims=Claims(connection, reactor, owner),
    )


# -- the web ---------------------------------------------------------------------------------


def badge_site(
    config: usage.Options, reactor: Any, facts: Lookup, pictures: Images, metrics: Metrics,
    health: Health,
) -> BadgeSite:
    """
    The badge routes, each badge said by a L{Pipeline} over C{facts}.
    """
    return BadgeSite(
        Pipeline(facts, reactor.seconds), pictures, reactor, metrics, health,
        config["public-url"], config["ready-memory"] * MiB, Clients(config["trusted-proxies"]),
    )


def serve_badges(
    config: usage.Options, reactor: Any, resource: IResource, top: IServiceCollection
) -> None:
    """
    C{resource} on C{--port}, each request written to the access log (C{--access-log}), and
    those in flight finished before the parts they use stop.
    """
    log = access_log(reactor, config["access-log"], getattr(config, "parent", None))
    if log is not None:
        # after the site's port in stopService order: its last lines are written
        log.setServiceParent(top)
    in_flight = InFlight()
    # stops after the port has closed and before the parts answers use: they are finished first
    Draining(in_flight, reactor).setServiceParent(top)
    serve(config["port"], Counted(resource, in_flight), reactor, top, log)


def serve(
    port: str, resource: IResource, reactor: Any, top: IServiceCollection, log: Any = None
) -> None:
    """
    C{resource} on the endpoint C{port}, within the site's limits.
    """
    endpointService(port, limited_site(resource, log), reactor=reactor).setServiceParent(top)


def metrics_port(config: usage.Options, reactor: Any, metrics: Metrics, top: IServiceCollection) -> None:
    """
    The metrics on C{--metrics-port}, C{/metrics}, when given: never on the badge port.
    """
    if config["metrics-port"] is None:
        return
    root = Resource()
    root.putChild(b"metrics", MetricsPage(metrics.registry))
    serve(config["metrics-port"], root, reactor, top)


# -- the daemons ------------------------------------------------------------------------------


def badge_daemon(config: usage.Options, reactor: Any = None) -> IService:
    """
    C{twistd pypipins}: the badge site on C{--port}, its Redis connection, the metrics on
    C{--metrics-port}, and what they share.
    """
    reactor = installed_reactor if reactor is None else reactor
    # its parts stop one after another, the ports first: see pypipins.web.draining
    top = InTurn()
    process(top, reactor)
    InterpreterTuning().setServiceParent(top)
    metrics = Metrics(CollectorRegistry())
    connection = redis(config, reactor, top)
    cache = FallbackCache(
        RedisCache(connection), MemoryCache(reactor, config["facts-memory"] * MiB), metrics, reactor
    )
    http = upstream_client(config, reactor)
    sources = upstreams(config, reactor, http, metrics, top)
    # what daemons sharing the Redis share besides the cache: who fetches, and the budget
    owner = owner_name()
    queue = stats_queue(config, reactor, connection, metrics, owner)
    facts = lookup(config, reactor, cache, connection, sources, queue, owner)
    pictures = images(config, reactor, drawers(config, reactor, top, metrics), cache, metrics, http)
    health = Health(connection, sources.health, config["unhealthy-after"], {"pypistats": queue})
    site = badge_site(config, reactor, facts, pictures, metrics, health)
    serve_badges(config, reactor, site.resource(), top)
    metrics_port(config, reactor, metrics, top)
    return top


def shields_daemon(config: usage.Options, reactor: Any = None) -> IService:
    """
    C{twistd shields}: shields' static badges on C{--port}, drawn here.
    """
    reactor = installed_reactor if reactor is None else reactor
    top = MultiService()
    process(top, reactor)
    pictures = LocalImages(MemoryCache(reactor, IMAGES_IN_MEMORY), drawers(config, reactor, top))
    site = ShieldsSite(pictures, Clients(config["trusted-proxies"]))
    serve(config["port"], site.resource(), reactor, top)
    return top
