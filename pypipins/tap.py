"""
C{twistd pypipins}: the options, and the service they build.
"""

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional
from urllib.parse import urlsplit

import attrs
from twisted.application.service import IService, Service
from twisted.application.strports import service as endpointService
from twisted.python import usage
from twisted.python.threadpool import ThreadPool

from pypipins.drawing import pool as drawpool
from pypipins.render import logos
from pypipins.upstream import indexes
from pypipins.store.cache import FACTS_IN_MEMORY, IMAGES_IN_MEMORY, READY_IN_MEMORY, MiB
from pypipins.store.redis import parse_redis_url
from pypipins.ops.health import FAILING_FOR
from pypipins.upstream.gate import CONCURRENCY, PER_SECOND
from pypipins.upstream.pypistats import DOWNLOADS_WAIT, parse_time_of_day
from pypipins.web.clients import parse_trusted

if TYPE_CHECKING:
    from pypipins.ops.metrics import Metrics

#: The backend port of the original Varnish set-up.
DEFAULT_PORT = "tcp:8888:interface=127.0.0.1"


#: The raster workers' options, which C{twistd shields} has too.
RASTER_OPTIONS = [
    ["raster-workers", None, drawpool.WORKERS,
     "Worker processes drawing rasters (PNG, JPEG, GIF, TIFF).", int],
    ["raster-timeout", None, drawpool.TIME_LIMIT,
     "Seconds a worker has to draw one raster before it is killed and replaced.", float],
    ["raster-queue", None, drawpool.MAX_WAITING,
     "Rasters that may wait for a worker; past it, 503.", int],
]


#: --trusted-proxy's help, which C{twistd shields} shares.
TRUSTED_PROXY_HELP = (
    "A proxy in front whose X-Forwarded-For is believed (repeatable, or separated by "
    "commas): an address or a network, such as 127.0.0.1 behind the documented nginx and "
    "Varnish. It tells clients apart for their shares of the raster workers; none by default, "
    "and a client is the address its connection comes from."
)


def add_trusted_proxy(config: usage.Options, value: str) -> None:
    try:
        config["trusted-proxies"].extend(parse_trusted(value))
    except ValueError as e:
        raise usage.UsageError(f"--trusted-proxy: {e}")


def check_raster_options(config: usage.Options) -> None:
    if config["raster-workers"] < 1:
        raise usage.UsageError("--raster-workers must be at least 1")
    if not config["raster-timeout"] > 0:
        raise usage.UsageError("--raster-timeout must be positive")
    if config["raster-queue"] < 0:
        raise usage.UsageError("--raster-queue must not be negative")


def drawing_pool(
    config: usage.Options, reactor: Any, metrics: "Optional[Metrics]" = None
) -> "drawpool.DrawingPool":
    return drawpool.DrawingPool(
        reactor, metrics, workers=config["raster-workers"], time_limit=config["raster-timeout"],
        max_waiting=config["raster-queue"],
    )


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


class Options(usage.Options):
    optParameters = RASTER_OPTIONS + [
        ["port", "p", DEFAULT_PORT, "Endpoint to serve badges on."],
        ["redis", None, "redis://127.0.0.1:6379/0",
         "Redis to cache in: redis://[:password@]host:port/db, unix:///path/to.sock?db=N, or "
         "through Sentinel, redis+sentinel://[:password@]host:port[,host:port...]/SERVICE/db."],
        ["redis-password-file", None, None,
         "A file holding Redis' password (read at start-up), rather than the --redis URL, "
         "which any user can read in the process list."],
        ["redis-password-env", None, None,
         "An environment variable holding Redis' password (read at start-up), rather than "
         "the --redis URL."],
        ["pypi-url", None, "https://pypi.org/pypi",
         "PyPI's JSON API; documents are {pypi-url}/{name}/json."],
        ["simple-url", None, "https://pypi.org/simple",
         "PyPI's Simple API, read in its JSON form for the project-status and provenance "
         "badges; pages are {simple-url}/{name}/."],
        ["stats-url", None, "https://pypistats.org/api",
         "pypistats.org's API; downloads are {stats-url}/packages/{name}/recent."],
        ["cache-ttl", None, 600, "Seconds PyPI's answers are fresh.", int],
        ["stats-refresh-at", None, "01:30",
         "When pypistats' daily update is done (HH:MM UTC): download counts are fresh until "
         "then, and asked for again after."],
        ["stats-per-second", None, 5, "Requests to pypistats allowed per second.", int],
        ["stats-per-minute", None, 30, "Requests to pypistats allowed per minute.", int],
        ["fleet-size", None, 1,
         "Daemons sharing this Redis (and so pypistats' budget, which they spend together "
         "through it): while Redis does not answer, each spends a share this size of it.", int],
        ["stats-queue", None, 10_000,
         "Packages whose counts may wait for pypistats' budget; past it the oldest "
         "background refresh is dropped.", int],
        ["downloads-wait", None, DOWNLOADS_WAIT,
         "Seconds a request waits for counts queued for pypistats' budget before its badge "
         "says 'queued' (the counts are fetched all the same).", float],
        ["upstream-timeout", None, 10.0, "Seconds an upstream has to answer.", float],
        ["upstream-concurrency", None, CONCURRENCY,
         "Requests in flight to one upstream origin at most (PyPI's JSON and Simple APIs "
         "share pypi.org's); past it they wait their turn within --upstream-timeout.", int],
        ["upstream-rate", None, PER_SECOND,
         "Requests begun a second to one upstream origin at most; past it they wait their "
         "turn within --upstream-timeout, or are refused at once when they cannot get one "
         "in that time.", int],
        ["unhealthy-after", None, FAILING_FOR,
         "Seconds PyPI may fail every request while Redis is down before /healthz says 503.",
         float],
        ["shields-url", None, None,
         "A shields server to draw badges ({url}/badge/...), as the original did; "
         "by default they are drawn in-process."],
        ["metrics-port", None, None,
         "Endpoint to serve Prometheus metrics on, /metrics (such as "
         "tcp:9100:interface=127.0.0.1); none by default. Never the badge port."],
        ["access-log", None, None,
         "File to write the access log to, one line per request in the combined log "
         "format; by default the lines go to twistd's log."],
        ["public-url", None, None,
         "The address the site's snippets give (https://badges.example.org); by default "
         "the one each request came to (its Host, and X-Forwarded-Proto)."],
        ["ready-memory", None, READY_IN_MEMORY // MiB,
         "MiB of responses kept ready to send again without asking Redis or drawing.", int],
        ["image-memory", None, IMAGES_IN_MEMORY // MiB, "MiB of images kept in-process.", int],
        ["facts-memory", None, FACTS_IN_MEMORY // MiB,
         "MiB of package facts and download counts kept in-process beside Redis, for when "
         "Redis is away.", int],
    ]

    def __init__(self) -> None:
        super().__init__()
        self["index"] = []
        self["trusted-proxies"] = []

    def opt_index(self, value: str) -> None:
        self["index"].append(value)

    def opt_trusted_proxy(self, value: str) -> None:
        add_trusted_proxy(self, value)

    opt_trusted_proxy.__doc__ = TRUSTED_PROXY_HELP

    # --help shows an opt_ method's docstring as written, indentation and all: one line
    opt_index.__doc__ = (
        "Another package index badges may name with ?index=NAME (repeatable): "
        "NAME=URL[,api=simple|json][,auth=env:VARIABLE|auth=file:PATH]. URL is the Simple "
        "API (pip's --index-url), or with api=json Warehouse's JSON API; the credentials, "
        "user:password or a token, are read at start-up from the variable or the file."
    )

    def postOptions(self) -> None:
        try:
            self["indexes"] = indexes.configure_all(
                self["index"], os.environ, lambda path: Path(path).read_text(encoding="utf-8")
            )
        except ValueError as e:
            raise usage.UsageError(f"--index: {e}")
        try:
            self["redis-address"] = parse_redis_url(self["redis"])
        except ValueError as e:
            raise usage.UsageError(f"--redis: {e}")
        password = redis_password(
            self, os.environ, lambda path: Path(path).read_text(encoding="utf-8")
        )
        if password is not None:
            self["redis-address"] = attrs.evolve(self["redis-address"], password=password)
        for option in ("pypi-url", "simple-url", "stats-url", "shields-url", "public-url"):
            if option in ("shields-url", "public-url") and self[option] is None:
                continue
            if urlsplit(self[option]).scheme not in ("http", "https"):
                raise usage.UsageError(f"--{option} must be an http:// or https:// URL")
            self[option] = self[option].rstrip("/")
        try:
            self["refresh-at"] = parse_time_of_day(self["stats-refresh-at"])
        except ValueError as e:
            raise usage.UsageError(f"--stats-refresh-at: {e}")
        for option in ("cache-ttl", "stats-per-second", "stats-per-minute", "stats-queue",
                       "fleet-size", "ready-memory", "image-memory", "facts-memory",
                       "upstream-concurrency", "upstream-rate"):
            if self[option] <= 0:
                raise usage.UsageError(f"--{option} must be positive")
        for option in ("upstream-timeout", "unhealthy-after", "downloads-wait"):
            if self[option] <= 0:
                raise usage.UsageError(f"--{option} must be positive")
        if self["metrics-port"] is not None and self["metrics-port"] == self["port"]:
            raise usage.UsageError("--metrics-port must not be the badge port")
        if self["access-log"] is not None:
            try:
                # tried here: a path that cannot be written is a usage error, not a traceback
                open(self["access-log"], "a", encoding="utf-8").close()
            except OSError as e:
                raise usage.UsageError(f"--access-log: {e.strerror}: {self['access-log']}")
        check_raster_options(self)


def redis_password(
    config: usage.Options, environ: Mapping[str, str], read_file: Callable[[str], str]
) -> Optional[str]:
    """
    Redis' password from C{--redis-password-file} or C{--redis-password-env}, or L{None}
    when neither is given.

    @raise usage.UsageError: when it cannot be had; the message names where it was looked
        for, never what was found there.
    """
    path, variable = config["redis-password-file"], config["redis-password-env"]
    if path is None and variable is None:
        return None
    if path is not None and variable is not None:
        raise usage.UsageError("--redis-password-file and --redis-password-env: give one")
    if config["redis-address"].password is not None:
        raise usage.UsageError(
            "--redis holds a password, and --redis-password-file or --redis-password-env "
            "another: give one"
        )
    if variable is not None:
        option, secret = "--redis-password-env", environ.get(variable)
        if secret is None:
            raise usage.UsageError(f"{option}: the environment variable {variable} is not set")
    else:
        option = "--redis-password-file"
        try:
            secret = read_file(path)
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
            raise usage.UsageError(f"{option}: cannot read {path}: {reason}")
    # the file's line break, or spaces around it, are no part of a password Redis takes
    secret = secret.strip()
    if not secret:
        raise usage.UsageError(f"{option}: the password is empty")
    if not secret.isprintable():
        raise usage.UsageError(f"{option}: the password is not one line")
    return secret


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
    CPython's collector (PyPy, whose collector is another one, is left alone), and the lock
    handed between threads sooner (both interpreters).
    """

    def startService(self) -> None:
        super().startService()
        if hasattr(gc, "freeze"):
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLD)
        sys.setswitchinterval(SWITCH_INTERVAL)


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


def makeService(config: Options, reactor: Any = None) -> IService:
    """
    The badge site on C{--port}, its Redis connection, the metrics on C{--metrics-port},
    and what they share.
    """
    # Imported here, not at the top: twistd imports this module to read the options, before
    # it installs the reactor asked for (-r), and klein (under web/) installs the default
    # one when imported.
    if reactor is None:
        from twisted.internet import reactor
    from prometheus_client import CollectorRegistry
    from treq.client import HTTPClient
    from twisted.web.client import Agent
    from twisted.logger import globalLogPublisher
    from twisted.web.resource import Resource

    from pypipins.store.fleet import Claims, SharedBudget, owner_name
    from pypipins.upstream.budget import ARRIVAL_MARGIN, BudgetQueue
    from pypipins.store.cache import FallbackCache, MemoryCache, RedisCache
    from pypipins.store.redis import RedisConnection
    from pypipins.ops.health import Health, UpstreamHealth
    from pypipins.web.accesslog import access_log
    from pypipins.web.clients import Clients
    from pypipins.web.draining import Counted, Draining, InFlight, InTurn
    from pypipins.web.limits import limited_site
    from pypipins.drawing.images import SHIELDS_TIMEOUT, Images, LocalImages, ShieldsImages
    from pypipins.store.lookup import Lookup
    from pypipins.ops.metrics import Metrics, MetricsPage
    from pypipins.ops.openfiles import AcceptFailures, OpenFilesLimit
    from pypipins.upstream.pypi import PyPI
    from pypipins.upstream.pypistats import PyPIStats
    from pypipins.upstream.simple import SimpleIndex
    from pypipins.upstream.fetcher import Condensing, Fetcher, Origin, QuietPool, origin, shown
    from pypipins.upstream.gate import Gate
    from pypipins.web.routes import BadgeSite

    # its parts stop one after another, the ports first: see pypipins.web.draining
    top = InTurn()
    # before the ports: what they accept counts against it
    OpenFilesLimit().setServiceParent(top)
    # before the port too: no request waits for it
    LogoTable().setServiceParent(top)
    AcceptFailures(reactor, globalLogPublisher).setServiceParent(top)
    InterpreterTuning().setServiceParent(top)
    metrics = Metrics(CollectorRegistry())
    redis = RedisConnection.at(reactor, config["redis-address"])
    redis.setName("redis")
    redis.setServiceParent(top)
    cache = FallbackCache(
        RedisCache(redis), MemoryCache(reactor, config["facts-memory"] * MiB), metrics, reactor
    )

    connections = QuietPool(reactor)
    # as many kept open for reuse as may be in flight to a host, rather than Twisted's 2:
    # a burst under the cap then costs no new connections (and TLS handshakes) after it
    connections.maxPersistentPerHost = config["upstream-concurrency"]
    http = HTTPClient(Agent(reactor, pool=connections))
    condensing_threads = ThreadPoolService(CONDENSING_THREADS, "condensing")
    condensing_threads.setServiceParent(top)
    condensing = Condensing(reactor, condensing_threads.pool)
    bases = {"pypi": config["pypi-url"], "pypi-simple": config["simple-url"],
             "pypistats": config["stats-url"]}
    bases.update((f"index:{index.name}", index.url) for index in config["indexes"])
    upstreams = {name: UpstreamHealth(name, reactor) for name in bases}
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
            http, reactor, config["upstream-timeout"], name, upstreams[name], metrics, condensing,
            gates[origin(bases[name])],
        )

    # what daemons sharing the Redis share besides the cache: who fetches, and the budget
    owner = owner_name()
    budget = SharedBudget(
        redis, reactor, "pypistats",
        [(config["stats-per-second"], 1.0), (config["stats-per-minute"], 60.0)],
        ARRIVAL_MARGIN, owner, config["fleet-size"],
    )
    stats_queue = BudgetQueue(reactor, budget, config["stats-queue"], "pypistats", metrics)
    metrics.watch_queue("pypistats", lambda: len(stats_queue))
    index_sources = indexes.sources(config["indexes"], fetcher, reactor)
    lookup = Lookup(
        cache,
        PyPI(fetcher("pypi"), config["pypi-url"]),
        PyPIStats(
            fetcher("pypistats"), config["stats-url"], stats_queue,
            refresh_at=config["refresh-at"], wait=config["downloads-wait"],
        ),
        reactor,
        config["cache-ttl"],
        indexes=index_sources,
        simple=SimpleIndex(fetcher("pypi-simple"), reactor, config["simple-url"]),
        simple_indexes=indexes.simple_sources(index_sources),
        claims=Claims(redis, reactor, owner),
    )
    # rasters are drawn in worker processes, never in the daemon: a rasterizer may abort
    pool = drawing_pool(config, reactor, metrics)
    pool.setServiceParent(top)
    image_memory = config["image-memory"] * MiB
    local = LocalImages(MemoryCache(reactor, image_memory), pool, cache, metrics)
    images: Images = local
    if config["shields-url"] is not None:
        # its failures are logged once per incident by ShieldsImages, which draws instead
        images = ShieldsImages(
            Fetcher(http, reactor, SHIELDS_TIMEOUT, "shields", metrics=metrics),
            config["shields-url"], local, MemoryCache(reactor, image_memory), reactor,
        )
    badges = BadgeSite(
        lookup, images, reactor, metrics,
        Health(redis, upstreams, config["unhealthy-after"], {"pypistats": stats_queue}),
        config["public-url"], config["ready-memory"] * MiB, Clients(config["trusted-proxies"]),
    )
    log = access_log(reactor, config["access-log"], getattr(config, "parent", None))
    if log is not None:
        # after the site's port in stopService order: its last lines are written
        log.setServiceParent(top)
    in_flight = InFlight()
    # stops after the port has closed and before the parts answers use: they are finished first
    Draining(in_flight, reactor).setServiceParent(top)
    site = limited_site(Counted(badges.resource(), in_flight), log)
    endpointService(config["port"], site, reactor=reactor).setServiceParent(top)
    if config["metrics-port"] is not None:
        root = Resource()
        root.putChild(b"metrics", MetricsPage(metrics.registry))
        metrics_site = limited_site(root)
        endpointService(config["metrics-port"], metrics_site, reactor=reactor).setServiceParent(top)
    return top
