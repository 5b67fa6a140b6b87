"""
The web routes: C{/<badge>/<package>/badge.<ext>}, as pypip.in served them.
"""

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

import attrs
from packaging.version import InvalidVersion, Version
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.web.iweb import IRequest
from twisted.web.resource import IResource

from pypipins import names
from pypipins.badges import QUERY_PARAMETERS, Badge, Dialect, Kind, Options, Reason, customize
from pypipins.badges.pypip import PYPIP
from pypipins.badges.shields import SHIELDS
from pypipins.web import pages as site
from pypipins.cache import READY_IN_MEMORY, MemoryCache
from pypipins.drawing import CannotDraw, DrawersBusy
from pypipins.facts import NotFound, Queued, Unavailable
from pypipins.health import Health
from pypipins.images import LocalImages, ShieldsImages
from pypipins.lookup import Answer, Lookup
from pypipins.metrics import OTHER, Metrics
from pypipins.render import CONTENT_TYPES, FORMATS
from pypipins.render import json as render_json
from pypipins.web.http import (
    SHORT_MAX_AGE, Response, guarded, no_such_page, not_drawn, page, query, router, send,
)


#: Seconds for a badge whose counts wait their turn in pypistats' budget: the next load of
#: the page should find them.
QUEUED_MAX_AGE = 30
#: The query parameters that change a badge; any other is ignored, and so does not make
#: another response to keep ready.
BADGE_PARAMETERS = tuple(p.encode("ascii") for p in QUERY_PARAMETERS + ("version", "index"))

#: Seconds the badge of an invalid name is kept ready: it never changes.
INVALID_KEPT = 3600

#: The longest C{?version=} looked up; PyPI's longest versions are far shorter.
MAX_VERSION = 64

_VERSION_CHARACTERS = re.compile(r"[0-9][0-9A-Za-z.!+_-]*")

def release_version(text: str) -> Optional[str]:
    """
    C{?version=} normalised as PEP 440 says (C{1.0-RC1} is C{1.0rc1}), or L{None} when it is
    not a version: only a version makes it into an upstream URL.
    """
    # Version() would also take surrounding spaces and a leading "v"; a URL should not
    if len(text) > MAX_VERSION or not _VERSION_CHARACTERS.fullmatch(text):
        return None
    try:
        return str(Version(text))
    except InvalidVersion:
        return None


#: What a response is kept ready under: the route, kind, name, release and format, and the
#: query parameters that change the badge.
ReadyKey = Tuple[str, str, Optional[str], Optional[str], str, Tuple[Tuple[bytes, bytes], ...]]


def ready_key(
    route: str,
    kind: str,
    package: str,
    version: Optional[str],
    ext: str,
    args: Mapping[bytes, List[bytes]],
) -> ReadyKey:
    """
    The request as far as it matters to the badge: any spelling of a name is the same
    package, every invalid name says the same, and a parameter no badge reads is no part of
    it, so that no junk makes another response to keep.
    """
    name = names.normalize(package) if names.is_valid(package) else None
    asked = tuple((p, args[p][0]) for p in BADGE_PARAMETERS if args.get(p))
    return (route, kind, name, version, ext, asked)


def _ready_size(key: ReadyKey, response: Response) -> int:
    return len(repr(key)) + response.size


def _own_address(request: IRequest) -> str:
    """
    The address the request came in on, for a client that sent no usable Host header.
    """
    own = request.getHost()
    host = getattr(own, "host", "localhost")
    port = getattr(own, "port", None)
    if ":" in host:
        host = f"[{host}]"
    return host if port is None else f"{host}:{port}"


@attrs.frozen
class Said:
    """
    What a badge says; whether from facts older than their TTL; until when it may be said
    again without asking (0 for errors and stale facts: ask again).
    """

    badge: Badge
    stale: bool = False
    fresh_until: float = 0.0
    #: A placeholder while the counts wait their turn: ask again soon.
    queued: bool = False


class BadgeSite:
    """
    The badge routes: the facts from a L{Lookup}, the pictures from L{LocalImages} or
    L{ShieldsImages}, and recent responses kept ready, each for as long as its facts are
    fresh, so that a warm badge costs neither Redis nor drawing.

    Two sets of routes share all that: pypip.in's, and shields.io's PyPI routes, which say
    the same facts in shields' words (L{pypipins.badges.shields}). Around them, the site's
    pages and C{/healthz}.

    @param public_url: the address the site's snippets give, when not the one each request
        came to.
    """

    app = router()

    def __init__(
        self,
        lookup: Lookup,
        images: "LocalImages | ShieldsImages",
        clock: IReactorTime,
        metrics: Metrics,
        health: Health,
        public_url: Optional[str] = None,
        ready_bytes: int = READY_IN_MEMORY,
    ) -> None:
        self._lookup = lookup
        self._images = images
        self._clock = clock
        self._metrics = metrics
        self._health = health
        self._public_url = public_url
        self._ready = MemoryCache(clock, ready_bytes, _ready_size)

    def resource(self) -> IResource:
        # no badge or page has an empty segment in its path
        return guarded(self.app.resource(), doubled_slashes=False)

    @app.route("/<kind>/<package>/badge.<ext>", methods=["GET", "HEAD"])
    def badge(
        self, request: IRequest, kind: str, package: str, ext: str
    ) -> "bytes | Deferred[bytes]":
        key = ready_key("", kind, package, None, ext, request.args)
        ready = self._send_ready(request, key, kind, ext)
        if ready is not None:
            return ready
        found = PYPIP.kind(kind)
        if found is None or ext not in FORMATS:
            return self._no_such_badge(request)
        return Deferred.fromCoroutine(
            self._make(request, key, PYPIP, found, kind, package, None, ext)
        )

    # path: shields takes a release after the name, /pypi/v/<package>/<version>.svg
    @app.route("/pypi/<kind>/<path:target>", methods=["GET", "HEAD"])
    def shields_badge(self, request: IRequest, kind: str, target: str) -> "bytes | Deferred[bytes]":
        target, dot, ext = target.rpartition(".")
        package, slash, version = target.partition("/")
        release = version if slash else None
        key = ready_key("pypi", kind, package, release, ext, request.args)
        ready = self._send_ready(request, key, "pypi/" + kind, ext)
        if ready is not None:
            return ready
        found = SHIELDS.kind(kind)
        if found is None or not dot or ext not in FORMATS or "/" in version:
            return self._no_such_badge(request)
        return Deferred.fromCoroutine(
            self._make(request, key, SHIELDS, found, "pypi/" + kind, package, release, ext)
        )

    def _send_ready(
        self, request: IRequest, key: ReadyKey, counted_as: str, ext: str
    ) -> Optional[bytes]:
        """
        The response kept ready for this request, sent; L{None} when there is none, to be made.
        """
        ready = self._ready.lookup(key)
        if ready is None:
            return None
        self._metrics.ready_hit.inc()
        body = send(request, ready[0])
        self._metrics.request(counted_as, ext, request.code)
        return body

    def _no_such_badge(self, request: IRequest) -> bytes:
        self._metrics.request(OTHER, OTHER, 404)
        return no_such_page(request, b"No such badge.\n")

    @app.route("/", methods=["GET", "HEAD"])
    def home(self, request: IRequest) -> bytes:
        code, body = site.home(self._base_url(request), query(request).get("package"))
        request.setResponseCode(code)
        return page(request, body, site.POLICY)

    @app.route("/badges/<kind>", methods=["GET", "HEAD"])
    def kind_page(self, request: IRequest, kind: str) -> bytes:
        body = site.kind_page(self._base_url(request), kind)
        if body is None:
            request.setResponseCode(404)
            return page(request, site.not_found_page(), site.POLICY)
        return page(request, body, site.POLICY)

    @app.route("/healthz", methods=["GET", "HEAD"])
    def healthz(self, request: IRequest) -> bytes:
        code, body = self._health.report()
        request.setResponseCode(code)
        request.setHeader("Content-Type", "application/json")
        # a load balancer must see this instance's state now, never a cache's copy
        request.setHeader("Cache-Control", "no-store")
        request.setHeader("X-Content-Type-Options", "nosniff")
        return body

    def _base_url(self, request: IRequest) -> str:
        if self._public_url is not None:
            return self._public_url
        return site.base_url(
            (request.requestHeaders.getRawHeaders(b"Host") or [None])[0],
            request.isSecure(),
            (request.requestHeaders.getRawHeaders(b"X-Forwarded-Proto") or [None])[0],
            _own_address(request),
        )

    async def _make(
        self, request: IRequest, key: ReadyKey, dialect: Dialect, kind: Kind, counted_as: str,
        package: str, version: Optional[str], ext: str,
    ) -> bytes:
        # a badge made is a badge that was not kept ready
        self._metrics.ready_miss.inc()
        asked = query(request)
        options = Options.from_query(asked)
        if version is None:
            version = asked.get("version")
        said = await self._say(dialect, kind, package, options, version, asked.get("index"))
        badge = customize(said.badge, options)
        # JSON is data, made here; only pictures are drawn
        if ext == "json" and dialect is SHIELDS:
            body = render_json.shields(badge.label, badge.message, badge.color, options.label_color)
        elif ext == "json":
            body = render_json.endpoint(
                badge.label, badge.message, badge.color, options.label_color, badge.is_error
            )
        else:
            try:
                body = await self._images.image(badge, options, ext)
            except (CannotDraw, DrawersBusy) as error:
                sent = not_drawn(request, ext, error)
                self._metrics.request(counted_as, ext, request.code)
                return sent
        if said.queued:
            response = Response(
                body, CONTENT_TYPES[ext], QUEUED_MAX_AGE, keep_past_age=False
            )
        else:
            max_age = SHORT_MAX_AGE if badge.is_error or said.stale else kind.max_age
            response = Response(body, CONTENT_TYPES[ext], max_age, said.stale)
        fresh_for = said.fresh_until - self._clock.seconds()
        if fresh_for > 0:
            self._ready.set(key, response, fresh_for)
        if said.stale:
            self._metrics.stale_answers.inc()
        sent = send(request, response)
        self._metrics.request(counted_as, ext, request.code)
        return sent

    async def _say(
        self, dialect: Dialect, kind: Kind, package: str, options: Options,
        version: Optional[str], index: Optional[str],
    ) -> Said:
        """
        What a badge of C{dialect} says, errors included: a README shows why there is no answer.
        """
        answer = await self._facts(package, version, index, kind.downloads)
        if isinstance(answer, Reason):
            return self._error(dialect.error(kind, answer, options), answer)
        return self._said(kind.say(answer.value, options), answer)

    def _said(self, badge: Badge, answer: "Answer[Any]") -> Said:
        return Said(badge, answer.stale, 0.0 if answer.stale else answer.fresh_until)

    def _error(self, badge: Badge, reason: Reason) -> Said:
        # the same until the server is started otherwise; the others, ask again
        return Said(
            badge, fresh_until=self._clock.seconds() + INVALID_KEPT if reason.lasting else 0.0,
            queued=reason is Reason.QUEUED,
        )

    async def _facts(
        self, package: str, asked_version: Optional[str], index: Optional[str], downloads: bool
    ) -> "Answer[Any] | Reason":
        """
        The facts a badge reads (download counts, or a release's facts), or the reason there
        are none.

        @param asked_version: C{?version=}, a release to describe instead of the latest.
        @param index: C{?index=}, one of the indexes the server was started with; C{pypi}
            is PyPI's, as is none.
        """
        # Checked before anything else: no upstream request is built from unchecked input.
        if not names.is_valid(package):
            return Reason.INVALID_NAME
        if index == "pypi":
            index = None
        if index is not None and index not in self._lookup.indexes:
            return Reason.UNKNOWN_INDEX
        version = None
        if asked_version is not None and not downloads:
            version = release_version(asked_version)
            if version is None:
                return Reason.INVALID_VERSION
        if downloads and index is not None:
            return Reason.NOT_COUNTED
        name = names.normalize(package)
        try:
            if downloads:
                return await self._lookup.downloads(name)
            return await self._lookup.package(name, version, index)
        except NotFound:
            return Reason.NOT_FOUND if version is None else Reason.VERSION_NOT_FOUND
        except Unavailable:
            return Reason.UNAVAILABLE
        except Queued:
            return Reason.QUEUED
