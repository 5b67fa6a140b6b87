"""
C{twistd pypipins}: the options, and the service they build.
"""

import os
from pathlib import Path
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlsplit

import attrs
from twisted.application.service import IService
from twisted.python import usage

from pypipins.drawing import pool as drawpool
from pypipins.upstream import indexes
from pypipins.store.cache import FACTS_IN_MEMORY, IMAGES_IN_MEMORY, READY_IN_MEMORY, MiB
from pypipins.store.redis import parse_redis_url
from pypipins.ops.health import FAILING_FOR
from pypipins.upstream.gate import CONCURRENCY, PER_SECOND
from pypipins.upstream.pypistats import DOWNLOADS_WAIT, STATS_QUEUE, parse_time_of_day
from pypipins.web.clients import parse_trusted

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
        ["stats-queue", None, STATS_QUEUE,
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


def makeService(config: Options, reactor: Any = None) -> IService:
    """
    The badge site on C{--port}, its Redis connection, the metrics on C{--metrics-port},
    and what they share: L{pypipins.wiring.badge_daemon}.
    """
    # Imported here, not at the top: twistd imports this module to read the options, before
    # it installs the reactor asked for (-r), and the builders' modules (klein under web/)
    # install the default one when imported.
    from pypipins import wiring

    return wiring.badge_daemon(config, reactor)
