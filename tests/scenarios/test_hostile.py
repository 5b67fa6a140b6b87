"""
Hostile input: whatever the path and query, a well-formed badge or a clear 404, never a 500 or
a traceback, and no upstream request built from an invalid name.

The site is driven in memory (treq.testing.StubTreq) so that hypothesis can try many inputs;
the upstream stand-in is the same one the loopback tests use. Rasters, which a rasterizer
may fail to draw in any way, are tried against the real daemon.
"""

import http.client
import io
import itertools
import json
import platform
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from urllib.parse import quote
from xml.dom import minidom

import pytest
import pytest_twisted
import treq
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from PIL import Image
from treq.testing import StubTreq
from twisted.internet.task import Clock

from pypipins import names
from pypipins.web.pages import POLICY
from pypipins.badges import MAX_TEXT
from pypipins.badges.pypip import PYPIP
from pypipins.badges.shields import SHIELDS
from pypipins.store.cache import MemoryCache
from pypipins.drawing.images import LocalImages
from pypipins.store.lookup import Lookup
from pypipins.upstream.pypi import PyPI
from pypipins.upstream.pypistats import PyPIStats
from pypipins.upstream.simple import SimpleIndex
from pypipins.render import CONTENT_TYPES, FORMATS
from pypipins.upstream.fetcher import Fetcher
from pypipins.badges.pipeline import release_version
from pypipins.web.static_badges import ShieldsSite
from tests.helpers import Daemon, ROOT, children, fired, free_port, in_memory_site, wait_for_port
from tests.drawers import ForkingDrawer
from tests.standin import FIXTURES, Upstream

pytestmark = pytest.mark.system

KINDS = frozenset(PYPIP.by_name)
SHIELDS_KINDS = frozenset(SHIELDS.by_name)

SVG = "{http://www.w3.org/2000/svg}"


def site():
    clock = Clock()
    clock.advance(1_000_000)
    upstream = Upstream(clock=clock.seconds)
    fetcher = Fetcher(StubTreq(upstream), clock)
    lookup = Lookup(MemoryCache(clock), PyPI(fetcher, "http://pypi.test/pypi"),
                    PyPIStats(fetcher, "http://pypi.test/stats"), clock, 600,
                    simple=SimpleIndex(fetcher, clock, "http://pypi.test/simple"))
    # fuzzed texts reach the rasterizer, which aborts on some (test_rasters_of_hostile_text)
    images = LocalImages(MemoryCache(clock), ForkingDrawer(), MemoryCache(clock))
    resource = in_memory_site(lookup, images, clock).resource()
    return upstream, resource, StubTreq(resource), StubTreq(ShieldsSite(images).resource())


#: The pypipins daemon's site, and C{twistd shields}' (static badges only) over the same images.
UPSTREAM, RESOURCE, CLIENT, SHIELDS_CLIENT = site()

any_text = st.text(max_size=300)
nasty = st.sampled_from(["..", ".", "%", "%00", "\x00", "\r\n", "\n", "/", "\\", "?", "#", "\ufeff",
                         "<script>", "a" * 5000, "é", "\ud7ff", "-", "_", "klein", "Klein", "KLEIN.."])
segment = st.one_of(any_text, nasty, st.sampled_from(sorted(KINDS)), st.sampled_from(sorted(FORMATS)))
param = st.sampled_from(["style", "label", "color", "labelColor", "period", "text", "x", "", "style[]",
                         "version", "index", "framework", "package",
                         # issue 16's that draw nothing by themselves (logo and link:
                         # tests/scenarios/test_dropin_drawn.py)
                         "cacheSeconds", "maxAge", "colorA", "colorB", "logoColor", "logoSize"])
query = st.lists(st.tuples(param, st.one_of(any_text, nasty)), max_size=6)


def check(path: str, params, client: StubTreq = CLIENT) -> None:
    before = len(UPSTREAM.requests)
    url = "http://badges.test" + path
    if params:
        url += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
    # Longer request lines are refused by Twisted's HTTP parser before any of our code (see
    # test_huge_request_line); the in-memory client cannot show that answer.
    assume(len(url) < 16_000)
    # redirects not followed: a redirect is an answer this site never gives
    response = fired(client.get(url, allow_redirects=False))
    body = fired(treq.content(response))
    if response.code == 301:
        # shields' old route, moved: to a path of ours, never one made of the Host
        assert path.startswith("/pypi/djversions/"), url
        [location] = response.headers.getRawHeaders("location")
        assert location.startswith("/pypi/frameworkversions/django/") and location.isascii(), location
        assert not any(c in location for c in "\r\n\x00 "), location
        return
    assert response.code in (200, 400, 404), (url, response.code, body[:300])
    assert not response.headers.hasHeader("location"), url
    assert b"Traceback" not in body and b"File \"" not in body
    if response.headers.getRawHeaders("content-security-policy") == [POLICY]:
        # a page of the site: whatever was asked, nothing of it is markup
        assert body.count(b"<script") == 1 and body.count(b"<form") <= 1, url
    elif response.code == 200:
        content_type = response.headers.getRawHeaders("content-type")[0]
        assert content_type in CONTENT_TYPES.values()
        if content_type.startswith("image/svg"):
            # expat refuses what XML 1.0 does, as browsers do
            minidom.parseString(body)
            root = ET.fromstring(body)
            assert root.tag == SVG + "svg"
            found = root.find(SVG + "title")
            if found is None:
                # badge-maker gives no title to a badge whose two sides link apart
                assert len(root.findall(f".//{SVG}a")) == 2, url
            title = "" if found is None else found.text or ""
            label, _, message = title.partition(": ")
            assert len(label) <= MAX_TEXT and len(message) <= MAX_TEXT
    for request in UPSTREAM.requests[before:]:
        # /pypi/<name>/json, /pypi/<name>/<version>/json, /stats/packages/<name>/recent
        parts = request.split("/")
        name = parts[3] if parts[1] == "stats" else parts[2]
        assert names.is_valid(name) and name == names.normalize(name), request
        if len(parts) == 5 and parts[1] == "pypi":
            assert release_version(parts[3]) == parts[3], request


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(kind="license", package="..", ext="svg", params=[])
@example(kind="license", package="klein\r\nX-Injected: 1", ext="svg", params=[])
@example(kind="v", package="klein", ext="svg", params=[("label", "a" * 5000), ("label", "b")])
@example(kind="d", package="klein", ext="png", params=[("style", "\x00"), ("color", "%ff")])
@given(kind=segment, package=segment, ext=segment, params=query)
def test_badge_paths(kind, package, ext, params):
    check("/" + "/".join(quote(s, safe="") for s in (kind, package, "badge." + ext)), params)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), package=st.one_of(any_text, nasty),
       ext=st.sampled_from(["svg", "json", "png"]), params=query)
def test_real_badges_any_name_and_query(kind, package, ext, params):
    check("/" + "/".join(quote(s, safe="") for s in (kind, package, "badge." + ext)), params)


@settings(max_examples=300, deadline=None)
@example(kind="v", target="klein/../../evil", ext="svg", params=[])
@example(kind="v", target="klein/1.0%2F..", ext="json", params=[("version", "../x")])
@example(kind="djversions", target="klein/..//evil.example", ext="svg", params=[("a", "\r\n")])
@example(kind="djversions", target="\r\nLocation: http://evil.example", ext="svg", params=[])
@example(kind="frameworkversions", target="django/klein", ext="json", params=[("cacheSeconds", "9" * 5000)])
@example(kind="frameworkversions", target="..", ext="svg", params=[("maxAge", "-1"), ("cacheSeconds", "1e99")])
@given(kind=st.one_of(st.sampled_from(sorted(SHIELDS_KINDS)), segment),
       target=st.one_of(segment, st.tuples(segment, segment).map("/".join)),
       ext=st.one_of(st.sampled_from(["svg", "json", "png"]), segment), params=query)
def test_shields_routes(kind, target, ext, params):
    check("/pypi/" + quote(kind, safe="") + "/" + quote(target, safe="/") + "." + quote(ext, safe=""), params)


@settings(max_examples=200, deadline=None)
@given(segments=st.lists(segment, max_size=5), params=query)
def test_any_path(segments, params):
    check("/" + "/".join(quote(s, safe="") for s in segments), params)


def with_slashes(segments, doubled, trailing: bool) -> str:
    """
    The path of C{segments}, with C{//} before those in C{doubled} and a C{/} at the end if
    C{trailing}.
    """
    path = "".join(("//" if i in doubled else "/") + quote(s, safe="") for i, s in enumerate(segments))
    return path + ("/" if trailing else "")


real_paths = st.one_of(
    st.tuples(st.sampled_from(sorted(KINDS)), st.sampled_from(["klein", "Twisted", "x"]),
              st.sampled_from(sorted(FORMATS)).map("badge.{}".format)).map(list),
    st.tuples(st.just("pypi"), st.sampled_from(sorted(SHIELDS_KINDS)),
              st.sampled_from(["klein.svg", "klein.json", "klein"])).map(list),
    st.sampled_from([[], ["healthz"], ["badges", "license"], ["badges", "v"]]),
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@example(segments=["v", "six", "badge.svg"], doubled={0, 1, 2}, trailing=False, params=[])
@example(segments=["pypi", "v", "klein.svg"], doubled={2}, trailing=False, params=[])
@example(segments=["badges", "license"], doubled={1}, trailing=True, params=[])
@given(segments=real_paths, doubled=st.sets(st.integers(0, 3)), trailing=st.booleans(), params=query)
def test_doubled_and_trailing_slashes(segments, doubled, trailing, params):
    """
    werkzeug would redirect a doubled slash to the path with it merged, with a Location made
    of the Host: neither here. A real badge's or page's path with a doubled slash, or a slash
    after its end, is no badge or page.
    """
    path = with_slashes(segments, doubled, trailing)
    check(path, params)
    if "//" in path or (trailing and segments):
        response = fired(CLIENT.get("http://badges.test" + path, allow_redirects=False))
        assert response.code == 404, path


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=40))
def test_raw_bytes_in_the_path(raw):
    check("/license/" + quote(raw, safe="") + "/badge.svg", [])


def test_long_texts_are_cut():
    response = fired(CLIENT.get("http://badges.test/v/klein/badge.svg?label=" + "x" * 1000))
    title = ET.fromstring(fired(treq.content(response))).find(SVG + "title").text
    assert title == "x" * MAX_TEXT + ": 24.8.0"


@pytest_twisted.ensureDeferred
async def test_huge_request_line(service, upstream):
    """
    Twisted answers a request line over 16 KB with a 400 and hangs up, often before the
    client has read the answer; either way, no 500 and nothing asked upstream.
    """
    from twisted.web._newclient import ResponseNeverReceived

    try:
        response = await service.get("/license/" + "a" * 20_000 + "/badge.svg")
    except ResponseNeverReceived:
        pass
    else:
        assert response.code in (400, 414)
        assert b"Traceback" not in response.body
    assert upstream.requests == []


#: Paths werkzeug redirected, each a 404 now; and, for the shields server, paths it answers
#: (a message may hold "//"), never with a redirect.
REDIRECTED = {
    "pypipins": ["//v//six//badge.svg", "/v//six/badge.svg", "/pypi/v//klein.svg",
                 "/pypi//v/klein.svg", "/badges//license", "//v/six/badge.svg", "//healthz",
                 "/v/six/badge.svg/", "/healthz/", "/badges/license/", "/pypi/v/klein.svg/"],
    "shields": ["/badge//a-b-red.svg", "/badge//a-b-red.svg?style=flat"],
}
ANSWERED = {"pypipins": [], "shields": ["/badge/a//b-red.svg", "//badge/a-b-red.svg"]}


@pytest.mark.parametrize("plugin", ["pypipins", "shields"])
def test_no_redirect_made_of_the_host(start_daemon, redis, plugin):
    """
    Through the daemon, with a Host no client should be sent to: no 3xx, no Location.
    """
    args = ["--redis", redis.url, "--pypi-url", "http://127.0.0.1:1/pypi",
            "--stats-url", "http://127.0.0.1:1/stats"] if plugin == "pypipins" else []
    daemon = start_daemon(*args, plugin=plugin)
    for path in REDIRECTED[plugin] + ANSWERED[plugin]:
        connection = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=10)
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", 'evil.example/"><x')
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.getheader("Location") is None, path
        assert response.status == (404 if path in REDIRECTED[plugin] else 200), path
    assert "Traceback" not in daemon.stop()


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"caf\xe9", b"\xc3\x28"])
def test_raw_bytes_that_are_not_utf8(raw):
    """
    Bytes a client sends unescaped reach the server as they are: a 404, not Klein's 400.
    """
    from twisted.web.test.requesthelper import DummyRequest

    request = DummyRequest([b"license", raw, b"badge.svg"])
    request.path = b"/license/" + raw + b"/badge.svg"
    assert RESOURCE.render(request) == b"No such badge.\n"
    assert request.responseCode == 404


#: Characters XML 1.0 forbids that a URL can carry (a lone surrogate cannot: it is no UTF-8).
NOT_XML = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\ufffe", "\uffff"]

#: Pieces of what some parameter reads, to be put together: colours (CSS ones, which
#: badge-maker trims, among them), logos (names and data URIs), links, styles, numbers...
PIECES = ["red", "#abc", "abc", "rgb(1,2,3)", "hsl(1,2%,3%)", "rebeccapurple", " ", "\t", "\u00a0", "\ufeff",
          "-", "--", "_", "__", "/", "data:", "data:image/png;", "data:image/svg+xml;base64,",
          "PHN2Zz48L3N2Zz4=", ",", "python", "PyPI", "https://a.org/", "http://", "auto", "flat",
          "for-the-badge", "social", "plastic", "60", "86400", "&", "<", '"', "'", "]]>", "\u202e"]
piece_of_value = st.one_of(st.sampled_from(NOT_XML), st.sampled_from(PIECES), st.text(max_size=3))
hostile_value = st.lists(piece_of_value, max_size=6).map("".join)

#: Every query parameter a badge reads, and old names of them.
EVERY_PARAMETER = ["label", "color", "labelColor", "colorA", "colorB", "logo", "logoColor", "logoSize",
                   "link", "link", "style", "cacheSeconds", "maxAge", "period", "text", "framework", "version"]

#: Badges of facts, of errors (whose own colour stays, but not their label colour), and of
#: the static route, on the pypipins daemon; the shields daemon's own static route is apart.
SVG_ROUTES = ["/v/klein/badge.svg", "/license/klein/badge.svg", "/d/klein/badge.svg",
              "/pypi/v/klein.svg", "/pypi/l/klein", "/pypi/v/nonesuch.svg", "/v/-leading/badge.svg"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(route="/v/klein/badge.svg", parts=None, shields=False, params=[("color", "\x0bred")])
@example(route=None, parts=("a", "b", "\x0cred"), shields=True, params=[("labelColor", "\x0b#abc")])
@example(route="/pypi/v/klein.svg", parts=None, shields=False,
         params=[("link", "https://a.org/\uffff"), ("link", "https://a.org/\ufffe")])
@example(route=None, parts=("a", "b", "blue"), shields=False, params=[("logo", "data:image/png;,\x01")])
@given(route=st.one_of(st.none(), st.sampled_from(SVG_ROUTES)),
       parts=st.one_of(st.none(), st.tuples(hostile_value, hostile_value, hostile_value)),
       shields=st.booleans(),
       params=st.lists(st.tuples(st.sampled_from(EVERY_PARAMETER), hostile_value), max_size=8))
def test_every_svg_is_xml(route, parts, shields, params):
    """
    Whatever each parameter and each part of a static badge's path holds, an SVG answered is
    well-formed XML, on every route of both daemons: what XML forbids never reaches one.
    """
    if parts is not None or route is None:
        label, message, color = parts or ("a", "b", "blue")
        static = "-".join(quote(p, safe="") for p in (label, message, color))
        check(f"/badge/{static}.svg", params, SHIELDS_CLIENT if shields else CLIENT)
    if route is not None:
        check(route, params)


#: The issue's URLs (item 5): each answered a 200 that was no XML. Those of the pypipins
#: daemon only, then the static ones, asked of both daemons.
ISSUE_URLS = ["/v/klein/badge.svg?color=%0Bred", "/v/klein/badge.svg?label=%01x", "/pypi/v/klein.svg?color=%0Cred",
              "/pypi/v/klein.svg?labelColor=%0B%23abc", "/pypi/v/klein.svg?link=https://a.org/%EF%BF%BF",
              "/license/klein/badge.svg?logo=data:image/png%3B,%01", "/pypi/v/nonesuch.svg?labelColor=%0Cred"]
STATIC_URLS = ["/badge/a-b-blue.svg?color=%0Bred", "/badge/a-b-blue.svg?color=%0Cred",
               "/badge/a-b-blue.svg?labelColor=%0B%23abc", "/badge/a-b-%0Bred.svg", "/badge/a-b-%0Cred",
               "/badge/a-b-blue.svg?link=https://a.org/%EF%BF%BF", "/badge/a-b-blue.svg?link=https://a.org/%EF%BF%BE",
               "/badge/a-b-blue.svg?logo=data:image/png%3B,%01", "/badge/%01-%EF%BF%BE-blue.svg"]


@pytest_twisted.ensureDeferred
async def test_the_issues_badges_are_xml_through_both_daemons(start_daemon, upstream, redis):
    """
    Through C{twistd pypipins} and C{twistd shields} as users start them: each of the issue's
    badges is an SVG, well-formed, drawn with the default where the colour held a control
    character, without the link or the logo that held one.
    """
    pypipins = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url)
    shields = start_daemon(plugin="shields")
    urls = [pypipins.url(u) for u in ISSUE_URLS + STATIC_URLS] + [shields.url(u) for u in STATIC_URLS]
    for url in urls:
        response = await treq.get(url)
        body = await response.content()
        assert response.code == 200, url
        assert response.headers.getRawHeaders("content-type")[0].startswith("image/svg"), url
        document = minidom.parseString(body)
        assert not document.getElementsByTagName("a") and not document.getElementsByTagName("image"), url
    # a colour that is no colour draws the default, as any invalid one does
    for daemon in (pypipins, shields):
        drawn = await (await treq.get(daemon.url("/badge/a-b-%0Bred.svg"))).content()
        default = await (await treq.get(daemon.url("/badge/a-b-nocolour.svg"))).content()
        assert drawn == default
    assert "Traceback" not in pypipins.stop() + shields.stop()


def test_characters_xml_forbids_are_dropped():
    response = fired(CLIENT.get("http://badges.test/v/klein/badge.svg?label=a%1Fb%00c%EF%BF%BEd"))
    title = ET.fromstring(fired(treq.content(response))).find(SVG + "title").text
    assert title == "abcd: 24.8.0"


# -- rasters, drawn by the real daemon ------------------------------------------------------

#: Text that rasterizers have trouble laying out: bidi controls (U+202A-202E, U+2066-2069,
#: U+200E/F), combining marks, joiners, right-to-left scripts, emoji.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
MARKS = "\u0300\u0301\u0308\u0327\u0336\u0489\u094d\u0e31\u20dd\u302a"
JOINERS = "\u200b\u200c\u200d\u2060\u00ad\ufeff\u034f"
EMOJI = ["\U0001f44d", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f3f3\ufe0f\u200d\U0001f308",
         "\U0001f1eb\U0001f1f7", "\u2705", "\U0001f40d", "\U0001f44d\U0001f3fd"]
piece = st.one_of(
    st.sampled_from(BIDI + MARKS + JOINERS),
    st.text(st.characters(min_codepoint=0x0590, max_codepoint=0x08FF), max_size=8),  # Hebrew, Arabic...
    st.sampled_from(EMOJI),
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
    st.text("abcdefgjx.- _0123456789", max_size=8),
    st.text(max_size=4),
)
hostile_text = st.one_of(
    st.lists(piece, max_size=24).map("".join),
    # long: past the 255 characters texts are cut at
    st.lists(piece, min_size=1, max_size=6).map(lambda pieces: "".join(pieces) * 60),
)

RASTERS = {"png": "PNG", "gif": "GIF", "jpg": "JPEG", "jpeg": "JPEG", "tiff": "TIFF"}
NAMES = itertools.count()


class RasterDaemon:
    """
    C{twistd -n pypipins} for the whole module (hypothesis and function-scoped fixtures do not
    mix), with a stand-in whose packages a test makes up: their license is the message. Both
    are processes of their own, asked with a blocking client: a test has no reactor to wait on.
    """

    def __init__(self, directory, redis_server):
        self.fixtures = directory / "fixtures"
        for folder in ("pypi", "stats"):
            (self.fixtures / folder).mkdir(parents=True)
            (self.fixtures / folder / "klein.json").write_bytes((FIXTURES / folder / "klein.json").read_bytes())
        self._document = json.loads((FIXTURES / "pypi" / "klein.json").read_text())
        port = free_port()
        self.upstream = subprocess.Popen([sys.executable, "-m", "tests.standin", str(port), str(self.fixtures)],
                                         cwd=ROOT)
        wait_for_port(port, process=self.upstream)
        if redis_server.process is None:
            redis_server.start()
        self.daemon = Daemon(directory, "pypipins", [
            "--redis", redis_server.url[:-1] + "1", "--pypi-url", f"http://127.0.0.1:{port}/pypi",
            "--stats-url", f"http://127.0.0.1:{port}/stats"])

    def package(self, message: str) -> str:
        """
        A package of its own, whose license badge says C{message}.
        """
        name = f"fuzz-{next(NAMES)}"
        self._document["info"]["license_expression"] = message
        (self.fixtures / "pypi" / f"{name}.json").write_text(json.dumps(self._document))
        return name

    def get(self, path: str) -> "tuple[int, dict, bytes]":
        connection = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        if self.daemon.process.poll() is None:
            self.daemon.stop()
        self.upstream.terminate()
        self.upstream.wait()


@pytest.fixture(scope="module")
def raster_daemon(tmp_path_factory, redis_server):
    running = RasterDaemon(tmp_path_factory.mktemp("rasters"), redis_server)
    yield running
    running.stop()


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(label="\u202egpj.exe", message="MIT", ext="png", style="flat", label_color=None)
@example(label="\u2067\u05e9\u05dc\u05d5\u05dd\u2069 x", message="\u202b\u0627\u0644\u202c", ext="gif",
         style="for-the-badge", label_color="abc")
@given(label=st.one_of(st.none(), hostile_text), message=hostile_text, ext=st.sampled_from(sorted(RASTERS)),
       style=st.sampled_from(["flat", "flat-square", "plastic", "for-the-badge", "social"]),
       label_color=st.one_of(st.none(), st.sampled_from(["abc", "red", "#123456"])))
def test_rasters_of_hostile_text(raster_daemon, label, message, ext, style, label_color):
    """
    Whatever the texts, the daemon answers with a picture, or a 422 giving the SVG URL, which
    works; and it lives on.
    """
    assume(message.strip())  # a blank license says "unknown", tried elsewhere
    params = {"style": style}
    if label is not None:
        params["label"] = label
    if label_color is not None:
        params["labelColor"] = label_color
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    path = f"/license/{raster_daemon.package(message)}/badge.{ext}?{query}"
    code, headers, body = raster_daemon.get(path)
    assert code in (200, 422), (path, code, body[:300])
    if code == 200:
        assert headers["Content-Type"] == CONTENT_TYPES[ext]
        image = Image.open(io.BytesIO(body))
        image.load()
        assert image.format == RASTERS[ext]
        assert image.size[1] in (18, 20, 28)  # plastic, most, for-the-badge
    else:
        assert headers["Content-Type"] == "text/plain;charset=utf-8"
        prefix = f"This badge cannot be drawn as {ext.upper()}. As SVG it can: ".encode()
        assert body.startswith(prefix) and body.endswith(b"\n"), body
        svg_url = body[len(prefix):-1].decode("ascii")
        assert svg_url == path.replace(f".{ext}?", ".svg?")
        code, headers, body = raster_daemon.get(svg_url)
        assert code == 200 and ET.fromstring(body).tag == SVG + "svg"
    assert raster_daemon.daemon.process.poll() is None


def test_the_daemon_answers_after_the_fuzz(raster_daemon):
    daemon = raster_daemon.daemon
    # the fuzz's explicit examples, asked here too: pytest-xdist may have run the fuzz in the
    # other worker's daemon
    for label, message, ext, style in [("\u202egpj.exe", "MIT", "png", "flat"),
                                       ("\u2067\u05e9\u05dc\u05d5\u05dd\u2069 x", "\u202b\u0627\u0644\u202c",
                                        "gif", "for-the-badge")]:
        query = f"style={style}&label={quote(label, safe='')}&labelColor=abc"
        code, _, _ = raster_daemon.get(f"/license/{raster_daemon.package(message)}/badge.{ext}?{query}")
        assert code in (200, 422)
    code, _, body = raster_daemon.get("/license/klein/badge.png")
    assert (code, body[:4]) == (200, b"\x89PNG")
    # its two workers (one replaced a moment ago, perhaps)
    deadline = time.monotonic() + 10
    while len(children(daemon.process.pid)) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(children(daemon.process.pid)) == 2
    log = daemon.stop()
    assert "Traceback" not in log and "Unhandled" not in log
    if platform.python_implementation() == "PyPy":
        # the label that made resvg 0.2 abort (an explicit example) was tried
        assert "cannot be drawn: worker_died (killed by signal 6)" in log
