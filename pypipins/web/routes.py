"""
The web routes: C{/<badge>/<package>/badge.<ext>}, as pypip.in served them, shields.io's PyPI
routes, the site's pages and C{/healthz}. Thin: they parse the request and send a response;
what a badge says is L{pypipins.badges.pipeline}'s, how long it is kept L{pypipins.web.answers}',
the responses kept ready L{pypipins.web.ready}'s.
"""

from typing import Any, Optional, Tuple
from urllib.parse import quote

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.web.iweb import IRequest
from twisted.web.resource import IResource, Resource
from twisted.web.server import NOT_DONE_YET

from pypipins.badges import LINK_PARAMETER, Badge, Dialect, Kind, Options
from pypipins.badges.pipeline import Asked, Pipeline
from pypipins.badges.pypip import PYPIP
from pypipins.badges.shields import SHIELDS
from pypipins.store.cache import READY_IN_MEMORY
from pypipins.drawing.drawer import CannotDraw, DrawersBusy
from pypipins.ops.health import Health
from pypipins.drawing.images import Images
from pypipins.ops.metrics import OTHER, Metrics
from pypipins.render import CONTENT_TYPES, FORMATS
from pypipins.render import json as render_json
from pypipins.web import answers
from pypipins.web import pages as site
from pypipins.web import snippets
from pypipins.web.clients import Clients
from pypipins.web.http import (
    CROSS_ORIGIN_HEADERS, cache_control, guarded, no_such_page, not_drawn, page, query, query_all,
    query_args, router, send, status,
)
from pypipins.web.static_badges import shields_json, static_badge
from pypipins.web.ready import Ready, ReadyKey, ready_key


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


def _json(dialect: Dialect, badge: Badge, options: Options) -> bytes:
    """
    The badge as data, in the words of the dialect's own C{.json} URLs.
    """
    if dialect is SHIELDS:
        return shields_json(badge, options, badge.color)
    return render_json.endpoint(
        badge.label, badge.message, badge.color, options.label_color, badge.is_error
    )


#: The shields route whose kinds are named by two segments, C{frameworkversions/<framework>}.
_FRAMEWORK_VERSIONS = "frameworkversions"

#: shields' old route for Django's versions, now a redirect to C{frameworkversions/django}.
_DJVERSIONS = "djversions"

#: Seconds a redirect of an old route may be kept: where it points never changes.
REDIRECT_MAX_AGE = 24 * 60 * 60


def shields_target(kind: str, target: str) -> Tuple[str, str, Optional[str], str]:
    """
    The kind, package, release (or L{None}) and format a shields path names after
    C{/pypi/<kind>/}: C{klein.svg}, C{klein/24.8.0.json}, C{klein} (no extension is SVG, as at
    shields.io), and for C{frameworkversions} the framework first (C{django/klein.svg}).
    An unknown format or a release with a slash in it is left for the kind lookup to refuse.
    """
    if kind == _FRAMEWORK_VERSIONS:
        framework, _, target = target.partition("/")
        kind = f"{kind}/{framework}"
    stem, dot, ext = target.rpartition(".")
    if not dot or ext not in FORMATS:
        # no extension: a name or version with a dot in it, and no format given
        stem, ext = target, "svg"
    package, slash, version = stem.partition("/")
    return kind, package, version if slash else None, ext


#: The methods the badge routes take.
_ROUTED_METHODS = (b"GET", b"HEAD")
#: The first segments of routes Klein prefers to C{/<kind>/<package>/badge.<ext>} for a path
#: of its shape (a route's fixed text before a variable): shields' routes and static badges.
_SHIELDS_FIRST = "pypi"
_STATIC_FIRST = (_SHIELDS_FIRST, "badge")
_BADGE_FILE = "badge."
class _ReadyFirst(Resource):
    """
    The badge site's responses kept ready, sent before Klein routes a request (what Klein
    does for each, the router bound, the rule matched, two Deferreds, was a quarter to a third
    of a warm badge on both interpreters); any other request routed by Klein. Sent as Klein sends a route's bytes,
    written then finished, so that not a byte differs.
    """

    isLeaf = True

    def __init__(self, site: "BadgeSite", routed: IResource) -> None:
        super().__init__()
        self._site = site
        self._routed = routed

    def render(self, request: IRequest) -> Any:
        body = self._site.send_ready(request)
        if body is None:
            return self._routed.render(request)
        request.write(body)
        request.finish()
        return NOT_DONE_YET


class BadgeSite:
    """
    The badge routes: what each badge says from a L{Pipeline}, the pictures from L{LocalImages} or
    L{ShieldsImages}, and recent responses kept L{Ready}, each for as long as its facts are
    fresh, so that a warm badge costs neither Redis nor drawing; packages' pages made from
    pages kept (L{site.PackagePages}).

    Two sets of routes share all that: pypip.in's, and shields.io's PyPI routes, which say
    the same facts in shields' words (L{pypipins.badges.shields}). Around them, the site's
    pages and C{/healthz}.

    @param public_url: the address the site's snippets give, when not the one each request
        came to.
    @param clients: tells clients apart, for their shares of the raster workers.
    """

    app = router()

    def __init__(
        self,
        pipeline: Pipeline,
        images: Images,
        clock: IReactorTime,
        metrics: Metrics,
        health: Health,
        public_url: Optional[str] = None,
        ready_bytes: int = READY_IN_MEMORY,
        clients: Optional[Clients] = None,
    ) -> None:
        self._pipeline = pipeline
        self._images = images
        self._clock = clock
        self._metrics = metrics
        self._health = health
        self._public_url = public_url
        self._ready = Ready(clock, ready_bytes)
        self._pages = site.PackagePages()
        self._clients = clients if clients is not None else Clients()

    def resource(self) -> IResource:
        # no badge or page has an empty segment in its path
        return guarded(_ReadyFirst(self, self.app.resource()), doubled_slashes=False)

    def send_ready(self, request: IRequest) -> Optional[bytes]:
        """
        The response kept ready for C{request}, sent as its badge route sends it, found
        without Klein's routing; L{None} when there is none, for Klein to route the request.

        Only a request Klein would give a badge route with the same arguments is answered here:
        a GET or HEAD of a plain ASCII path (no escapes: Klein routes their decoded text) of
        one of the two routes' shapes (a Host Klein's router refuses is answered before, by
        L{pypipins.web.http.guarded}). A response is kept
        under the key a badge route made of its arguments, so any other finds none.
        """
        if request.method not in _ROUTED_METHODS:
            return None
        path = request.path
        if b"%" in path or not path.isascii():
            return None
        parts = path.decode("ascii").split("/")
        if len(parts) == 4 and parts[1] not in _STATIC_FIRST and parts[3].startswith(_BADGE_FILE):
            _, kind, package, name = parts
            ext = name[len(_BADGE_FILE):]
            if not (kind and package and ext):
                return None
            return self._send_ready(request, self._pypip_key(request, kind, package, ext), kind, ext)
        if len(parts) >= 4 and parts[1] == _SHIELDS_FIRST and parts[2] and parts[2] != _DJVERSIONS:
            target = "/".join(parts[3:])
            if not target:
                return None
            kind, package, release, ext = shields_target(parts[2], target)
            key = self._shields_key(request, kind, package, release, ext)
            return self._send_ready(request, key, "pypi/" + kind, ext)
        return None

    def _pypip_key(self, request: IRequest, kind: str, package: str, ext: str) -> ReadyKey:
        found = PYPIP.kind(kind)
        spelled = found is not None and found.says_asked
        return ready_key("", kind, package, None, ext, query_args(request), spelled)

    def _shields_key(
        self, request: IRequest, kind: str, package: str, release: Optional[str], ext: str
    ) -> ReadyKey:
        found = SHIELDS.kind(kind)
        spelled = found is not None and found.says_asked
        return ready_key("pypi", kind, package, release, ext, query_args(request), spelled)

    @app.route("/<kind>/<package>/badge.<ext>", methods=["GET", "HEAD"])
    def badge(
        self, request: IRequest, kind: str, package: str, ext: str
    ) -> "bytes | Deferred[bytes]":
        key = self._pypip_key(request, kind, package, ext)
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
        if kind == _DJVERSIONS:
            return self._moved(request, f"/pypi/{_FRAMEWORK_VERSIONS}/django/", target)
        kind, package, release, ext = shields_target(kind, target)
        key = self._shields_key(request, kind, package, release, ext)
        ready = self._send_ready(request, key, "pypi/" + kind, ext)
        if ready is not None:
            return ready
        found = SHIELDS.kind(kind)
        # no package, or a release that is empty (a trailing slash) or has a slash in it
        if found is None or not package or (release is not None and (not release or "/" in release)):
            return self._no_such_badge(request)
        return Deferred.fromCoroutine(
            self._make(request, key, SHIELDS, found, "pypi/" + kind, package, release, ext)
        )

    def _moved(self, request: IRequest, new_route: str, target: str) -> bytes:
        """
        A 301 to C{new_route} followed by C{target} and the query, as shields redirects its
        old routes. The Location is a path of ours, never made of the C{Host} a client sent.
        """
        path, mark, rest = request.uri.partition(b"?")
        # escaped as a URL should be: the client's bytes are sent back as ASCII only
        location = quote(new_route + target, safe="/@:+,;=!$'()*~") + (
            "?" + quote(rest, safe="/?&=%:@!$'()*+,;~") if mark else ""
        )
        self._metrics.request(OTHER, OTHER, 301)
        request.setResponseCode(301)
        request.setHeader("Location", location)
        request.setHeader("Cache-Control", cache_control(REDIRECT_MAX_AGE))
        request.setHeader("Content-Type", "text/plain;charset=utf-8")
        request.setHeader("X-Content-Type-Options", "nosniff")
        for name, value in CROSS_ORIGIN_HEADERS:
            request.setHeader(name, value)
        return f"Moved to {location}\n".encode("ascii")

    # path: a message such as "61k/month" arrives with its slash decoded
    @app.route("/badge/<path:content>", methods=["GET", "HEAD"])
    def static(self, request: IRequest, content: str) -> "Deferred[bytes]":
        """
        shields' static badges, as C{twistd shields} draws them, on this daemon too.
        """
        return Deferred.fromCoroutine(static_badge(request, content, self._images, self._clients))

    def _send_ready(
        self, request: IRequest, key: ReadyKey, counted_as: str, ext: str
    ) -> Optional[bytes]:
        """
        The response kept ready for this request, sent; L{None} when there is none, to be made.

        Synchronous on purpose, no Deferred: a warm badge is the hot path.
        """
        ready = self._ready.get(key)
        if ready is None:
            return None
        body = send(request, ready)
        self._metrics.ready_sent(counted_as, ext, status(request))
        return body

    def _no_such_badge(self, request: IRequest) -> bytes:
        self._metrics.request(OTHER, OTHER, 404)
        return no_such_page(request, b"No such badge.\n")

    @app.route("/", methods=["GET", "HEAD"])
    def home(self, request: IRequest) -> bytes:
        asked = query(request)
        row = site.ROW_BUILDER.chosen(asked.get("row"), query_all(request, "badge"), asked.get("style"),
                                      asked.get("format"))
        code, body = site.home(
            self._base_url(request), asked.get("package"), asked.get("logo"), self._pages.page, row
        )
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
        return snippets.base_url(
            (request.requestHeaders.getRawHeaders(b"Host") or [None])[0],
            request.isSecure(),
            (request.requestHeaders.getRawHeaders(b"X-Forwarded-Proto") or [None])[0],
            _own_address(request),
        )

    async def _make(
        self, request: IRequest, key: ReadyKey, dialect: Dialect, kind: "Kind[Any]",
        counted_as: str, package: str, release: Optional[str], ext: str,
    ) -> bytes:
        # a badge made is a badge that was not kept ready
        self._metrics.ready_miss.inc()
        args = query(request)
        options = Options.from_query(args, query_all(request, LINK_PARAMETER))
        asked = Asked(package, release if release is not None else args.get("version"), args.get("index"))
        said = await self._pipeline.badge(dialect, kind, asked, options)
        if ext == "json":
            # data, made here: only pictures are drawn
            body = _json(dialect, said.badge, options)
        else:
            try:
                body = await self._images.image(said.badge, options, ext, self._clients.of(request))
            except (CannotDraw, DrawersBusy) as error:
                sent = not_drawn(request, ext, error)
                self._metrics.request(counted_as, ext, status(request))
                return sent
        response = answers.response(said, kind, body, CONTENT_TYPES[ext], options.cache_seconds)
        self._ready.keep(key, response, said.fresh_until)
        if said.stale:
            self._metrics.stale_answers.inc()
        sent = send(request, response)
        self._metrics.request(counted_as, ext, status(request))
        return sent
