"""
HTTP as every route of ours speaks it: a response made once and sent many times, its cache
headers and entity tag, the plain-text answers, and the guard against paths Klein cannot read.
"""

import functools
import hashlib
import re
from typing import Dict, List, Tuple, cast
from urllib.parse import quote, unquote_to_bytes

import attrs
from klein import Klein
from twisted.web import http, server
from twisted.python.failure import Failure
from twisted.web.iweb import IRequest
from twisted.web.resource import IResource, Resource
from werkzeug.routing import RequestRedirect

from pypipins.drawing.drawer import CannotDraw, DrawersBusy

#: Seconds for an answer that should be asked again soon: an error, or stale facts.
SHORT_MAX_AGE = 60
#: Seconds browsers and caches may keep a page of the site: it changes with releases of
#: pypipins only, the badges on it are fetched on their own.
PAGE_MAX_AGE = 3600
#: How long a cache may serve a badge past its age while it asks again, or while we fail.
STALE_WHILE_REVALIDATE = 24 * 60 * 60
STALE_IF_ERROR = 7 * 24 * 60 * 60

#: Set on a badge drawn from facts older than their TTL (the upstream is being asked again,
#: or is failing).
STALE_HEADER = "X-Pypipins-Stale"

#: Sent with every badge, as shields.io sends them: a badge is public, and pages of any origin
#: may fetch it (a README viewer's script, an <img crossorigin>) and embed it.
CROSS_ORIGIN_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Cross-Origin-Resource-Policy", "cross-origin"),
)

#: What an SVG badge shown on its own or through <object> may do: draw its logo (always a
#: C{data:} URI), style itself (the social style's <style>), and open its links, which
#: badge-maker draws C{target="_blank"}, in a new tab that is not sandboxed in turn (the
#: page linked to is someone's site); nothing else, no script. (In an <img>, a browser
#: neither runs script nor follows links, whatever the policy.)
SVG_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "sandbox allow-popups allow-popups-to-escape-sandbox"
)


def cache_control(max_age: int, stale: bool = True) -> str:
    """
    C{Cache-Control} for C{max_age} seconds, and with C{stale}, for serving it past that while
    asking again or while failing.
    """
    fresh = f"public, max-age={max_age}, s-maxage={max_age}"
    if not stale:
        return fresh
    return f"{fresh}, stale-while-revalidate={STALE_WHILE_REVALIDATE}, stale-if-error={STALE_IF_ERROR}"


@attrs.frozen
class Response:
    """
    A badge as sent: made once, and sent again as long as the facts it says are fresh.
    """

    body: bytes
    content_type: str
    max_age: int
    stale: bool = False
    #: Whether caches may serve it past its age (not a badge that is only a placeholder).
    keep_past_age: bool = True
    # strong: the same inputs always give the same bytes
    etag: str = attrs.field(init=False)
    #: The headers, encoded once for all the times the response is sent.
    headers: Tuple[Tuple[bytes, bytes], ...] = attrs.field(init=False)

    #: Bytes it holds, roughly.
    size: int = attrs.field(init=False)

    @etag.default
    def _etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'

    @headers.default
    def _headers(self) -> Tuple[Tuple[bytes, bytes], ...]:
        return _shared_headers(self.content_type, self.max_age, self.keep_past_age, self.stale) + (
            (b"ETag", self.etag.encode("ascii")),
        )

    @size.default
    def _size(self) -> int:
        return len(self.body) + RESPONSE_OVERHEAD


#: Bytes a kept response costs beyond its body, with the headers but the entity tag shared:
#: the object, its tag (as text and as bytes) and its tuple of headers (some 450 on CPython
#: 3.11, measured with tracemalloc in a daemon keeping 38,000 responses ready).
RESPONSE_OVERHEAD = 450


@functools.lru_cache(maxsize=256)
def _shared_headers(
    content_type: str, max_age: int, keep_past_age: bool, stale: bool
) -> Tuple[Tuple[bytes, bytes], ...]:
    """
    The headers, encoded, all but the entity tag: the same for every response of a type, age
    and staleness, so made once for them all. Kept apart for each response, they were more
    than half of what a kept response cost beyond its body (1.25 KB of 2.3 KB on CPython 3.11).
    """
    headers = [
        ("Content-Type", content_type),
        ("Cache-Control", cache_control(max_age, keep_past_age)),
        ("X-Content-Type-Options", "nosniff"),
        *CROSS_ORIGIN_HEADERS,
    ]
    if content_type.startswith("image/svg"):
        headers.append(("Content-Security-Policy", SVG_POLICY))
    if stale:
        headers.append((STALE_HEADER, "true"))
    return tuple((name.encode("ascii"), value.encode("ascii")) for name, value in headers)


def send(request: IRequest, response: Response) -> bytes:
    """
    The response's body with the headers every badge has; an empty 304 when the client has
    it already.
    """
    for name, value in response.headers:
        request.setHeader(name, value)
    asked = request.getHeader("If-None-Match")
    if asked is None:
        return response.body
    tags = _entity_tags(asked)
    if response.etag in tags or "*" in tags:
        request.setResponseCode(http.NOT_MODIFIED)
        return b""
    return response.body


def _entity_tags(header: "str | bytes | None") -> "set[str]":
    """
    The tags of an If-None-Match header, compared weakly as RFC 9110 says: C{W/} ignored.
    """
    if not header:
        return set()
    text = header.decode("latin-1") if isinstance(header, bytes) else header
    tags = {tag.strip() for tag in text.split(",")}
    return {tag[2:] if tag.startswith("W/") else tag for tag in tags}


def page(request: IRequest, body: bytes, policy: str) -> bytes:
    """
    A page of the site, with its content security C{policy}.
    """
    request.setHeader("Content-Type", "text/html;charset=utf-8")
    request.setHeader("Cache-Control", cache_control(PAGE_MAX_AGE))
    request.setHeader("Content-Security-Policy", policy)
    request.setHeader("X-Content-Type-Options", "nosniff")
    # the snippets name the scheme the proxy in front says
    request.setHeader("Vary", "X-Forwarded-Proto")
    return body


def no_such_page(request: IRequest, text: bytes) -> bytes:
    request.setResponseCode(404)
    request.setHeader("Content-Type", "text/plain;charset=utf-8")
    request.setHeader("Cache-Control", cache_control(SHORT_MAX_AGE))
    request.setHeader("X-Content-Type-Options", "nosniff")
    return text


#: Seconds a client is told to wait when too many rasters wait to be drawn.
RETRY_AFTER = 5


def not_drawn(request: IRequest, ext: str, error: "CannotDraw | DrawersBusy") -> bytes:
    """
    A raster that cannot be drawn: a 422 that gives the badge's SVG URL, which works (the
    same path and query, C{.svg}); or a 503 while too many wait to be drawn.
    """
    request.setHeader("Content-Type", "text/plain;charset=utf-8")
    request.setHeader("X-Content-Type-Options", "nosniff")
    for name, value in CROSS_ORIGIN_HEADERS:
        request.setHeader(name, value)
    if isinstance(error, DrawersBusy):
        request.setResponseCode(503)
        request.setHeader("Retry-After", str(RETRY_AFTER))
        request.setHeader("Cache-Control", "no-store")
        return b"Too many badges are being drawn: try again in a few seconds.\n"
    request.setResponseCode(422)
    # short, and no stale-*: the SVG is the answer meanwhile
    request.setHeader("Cache-Control", f"public, max-age={SHORT_MAX_AGE}")
    path, mark, rest = request.uri.partition(b"?")
    svg_path = re.sub(rb"(\.|%2[eE])" + re.escape(ext.encode("ascii")) + rb"$", rb"\1svg", path)
    # escaped as a URL should be: the client's bytes are sent back as ASCII only
    url = quote(svg_path + mark + rest, safe="/?&=%:@!$'()*+,;~")
    return f"This badge cannot be drawn as {ext.upper()}. As SVG it can: {url}\n".encode("ascii")


#: Host headers whose check is remembered (a site is asked by a few names).
HOSTS_REMEMBERED = 64


def _host_name(hostname: bytes) -> bool:
    """
    Whether Klein's router takes C{hostname}, which it decodes as UTF-8 and encodes as IDNA
    (failing for an empty or overlong label) before it routes anything.
    """
    try:
        hostname.decode("utf-8").lower().partition(":")[0].encode("idna")
    except UnicodeError:
        return False
    return True


class _CheckedPaths(Resource):
    """
    A 404, before Klein, for a path that is not UTF-8 once percent-decoded (Klein would answer
    it with a 400 and a traceback in the log), and unless C{doubled_slashes}, for a path with
    C{//} in it (Klein reads one at the start as C{/}, so that C{//v/klein/badge.svg} would be a
    second URL of a badge). A 400 for a C{Host} that names no host Klein's router takes (a
    label over 63 characters: a 500 and a traceback from werkzeug otherwise), checked once
    per header as encoding it costs more than a badge kept ready.
    """

    isLeaf = True

    def __init__(self, wrapped: IResource, doubled_slashes: bool) -> None:
        super().__init__()
        self._wrapped = wrapped
        self._doubled_slashes = doubled_slashes
        self._hosts: Dict[bytes, bool] = {}

    def render(self, request: IRequest) -> bytes:
        header = request.getHeader(b"host")
        named = self._hosts.get(header) if header is not None else None
        if named is None:
            named = _host_name(request.getRequestHostname())
            if header is not None and len(self._hosts) < HOSTS_REMEMBERED:
                self._hosts[header] = named
        if not named:
            request.setResponseCode(400)
            request.setHeader("Content-Type", "text/plain;charset=utf-8")
            request.setHeader("X-Content-Type-Options", "nosniff")
            return b"The Host header names no host.\n"
        path = request.path
        if not self._doubled_slashes and b"//" in path:
            return no_such_page(request, b"No such badge.\n")
        try:
            # A plain ASCII path (the hot path) needs no decoding; escapes, or raw bytes a
            # client sent unescaped, do.
            if b"%" in path or not path.isascii():
                unquote_to_bytes(path).decode("utf-8")
        except UnicodeDecodeError:
            return no_such_page(request, b"No such badge.\n")
        return self._wrapped.render(request)


def guarded(resource: IResource, doubled_slashes: bool = True) -> IResource:
    return _CheckedPaths(resource, doubled_slashes)


def router() -> Klein:
    """
    A Klein app that never answers with a redirect. werkzeug's routing redirects a path with
    doubled slashes to the one with them merged, and a rule's path without its trailing slash
    to the one with it, with a C{Location} made of the request's C{Host} (a client's text) and
    always C{http://}, which Varnish would keep for everyone. Here such a path is a 404.
    """
    app = Klein()
    app.handle_errors(RequestRedirect)(_no_redirect)
    return app


def _no_redirect(self: object, request: IRequest, failure: Failure) -> bytes:
    # named as Klein's error methods are: Klein passes the app's instance first
    return no_such_page(request, b"Not found.\n")


def status(request: IRequest) -> int:
    """
    The status code set on C{request} so far: every twisted.web request has one, though
    L{IRequest} does not declare it.
    """
    return cast(server.Request, request).code


def parse_query(query: bytes) -> Dict[bytes, List[bytes]]:
    """
    The parameters of a query string as shields' server reads them (node's C{querystring}):
    split on C{&} only, C{+} a space, percent escapes decoded (to bytes: the routes decode
    text), a name without C{=} a blank value, empty parts skipped.

    Twisted's C{Request.args} also splits on C{;} (its C{twisted.web.http.parse_qs}, an old
    CGI habit, on Twisted 25.5 and 26.10 alike), so that a data URI written as people write
    it, C{?logo=data:image/svg+xml;base64,...}, was no logo, and a link with a C{;} was cut.
    """
    args: Dict[bytes, List[bytes]] = {}
    for part in query.split(b"&"):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        args.setdefault(unquote_to_bytes(name.replace(b"+", b" ")), []).append(
            unquote_to_bytes(value.replace(b"+", b" "))
        )
    return args


def query_args(request: IRequest) -> Dict[bytes, List[bytes]]:
    """
    The request's query parameters, by L{parse_query}: what every route reads instead of
    C{request.args}, so that both daemons and any site the resources are put in read a query
    alike.
    """
    _, mark, query = request.uri.partition(b"?")
    # most badges are asked without a query
    return parse_query(query) if mark else {}


def query_all(request: IRequest, name: str) -> List[str]:
    """
    Every value of the query parameter C{name}, as text, in the order given.
    """
    return [value.decode("utf-8", "replace") for value in query_args(request).get(name.encode("utf-8"), [])]


def query(request: IRequest) -> Dict[str, str]:
    """
    The first value of each query parameter, as text.
    """
    return {
        key.decode("utf-8", "replace"): values[0].decode("utf-8", "replace")
        for key, values in query_args(request).items()
    }
