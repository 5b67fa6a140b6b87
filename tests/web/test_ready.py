"""
Responses kept ready: sent again without asking the cache or drawing, for exactly as long as
the facts they say are fresh; never for errors or stale facts; under a key naming every
parameter that changes them. On a Clock, in memory.
"""

import json
import platform

import pytest
import treq
from treq.testing import StubTreq
from twisted.internet.task import Clock

from pypipins.badges import query as q
from pypipins.store.cache import MemoryCache
from pypipins.drawing.images import LocalImages
from pypipins.store.flight import RETRY_AFTER
from pypipins.store.lookup import Lookup
from pypipins.upstream.pypi import PyPI
from pypipins.upstream.pypistats import PyPIStats
from pypipins.upstream.fetcher import Fetcher
from pypipins.web.http import Response
from pypipins.web.ready import Ready, ready_key
from tests.drawers import InProcessDrawer
from tests.helpers import fired, in_memory_site
from tests.standin import Upstream

pytestmark = pytest.mark.memory

TTL = 600


class CountingCache(MemoryCache):
    """
    The facts cache, counting how often it is asked.
    """

    asked = 0

    def get(self, key):
        self.asked += 1
        return super().get(key)


def make_site(ready_bytes=None):
    clock = Clock()
    clock.advance(1_000_000)
    upstream = Upstream(clock=clock.seconds)
    fetcher = Fetcher(StubTreq(upstream), clock)
    cache = CountingCache(clock)
    lookup = Lookup(cache, PyPI(fetcher, "http://u/pypi"), PyPIStats(fetcher, "http://u/stats"),
                    clock, TTL)
    site = in_memory_site(lookup, LocalImages(MemoryCache(clock), InProcessDrawer()), clock, ready_bytes)
    return upstream, clock, cache, site


def make():
    upstream, clock, cache, site = make_site()
    return upstream, clock, cache, StubTreq(site.resource())


def get(client, path):
    response = fired(client.get("http://badges.test" + path))
    return response, fired(treq.content(response))


def test_kept_while_fresh():
    upstream, clock, cache, client = make()
    first, body = get(client, "/license/klein/badge.svg")
    asked = cache.asked
    for _ in range(5):
        again, same = get(client, "/license/klein/badge.svg")
        assert same == body
        assert again.headers.getRawHeaders("etag") == first.headers.getRawHeaders("etag")
    assert cache.asked == asked
    clock.advance(TTL - 1)
    get(client, "/license/klein/badge.svg")
    assert cache.asked == asked
    # past the facts' TTL: asked again (stale, refreshed in the background)
    clock.advance(1)
    stale, _ = get(client, "/license/klein/badge.svg")
    assert cache.asked == asked + 1
    assert stale.headers.getRawHeaders("x-pypipins-stale") == ["true"]
    assert upstream.requests == ["/pypi/klein/json"] * 2
    # the refresh made the facts fresh again: kept ready anew
    fresh, _ = get(client, "/license/klein/badge.svg")
    assert fresh.headers.getRawHeaders("x-pypipins-stale") is None
    asked = cache.asked
    get(client, "/license/klein/badge.svg")
    assert cache.asked == asked


def test_errors_are_not_kept():
    upstream, clock, cache, client = make()
    upstream.fail("klein", "500")
    _, body = get(client, "/v/klein/badge.json")
    assert json.loads(body)["message"] == "unavailable"
    upstream.recover("klein")
    clock.advance(RETRY_AFTER)
    _, body = get(client, "/v/klein/badge.json")
    assert json.loads(body)["message"] == "24.8.0"
    asked = cache.asked
    get(client, "/v/nope/badge.json")
    get(client, "/v/nope/badge.json")
    assert cache.asked == asked + 2


def test_304_from_a_kept_response():
    upstream, clock, cache, client = make()
    first, _ = get(client, "/wheel/klein/badge.svg")
    etag = first.headers.getRawHeaders("etag")[0]
    response = fired(client.get("http://badges.test/wheel/klein/badge.svg", headers={"If-None-Match": etag}))
    assert response.code == 304


def test_parameters_no_badge_reads_make_no_other_response():
    """
    Junk in the query string is sent the response kept for the badge it asks for: it makes
    no entry of its own (25,000 such URIs once took the daemon from 118 to 426 MiB).
    """
    upstream, clock, cache, client = make()
    _, body = get(client, "/license/klein/badge.svg?style=flat-square")
    asked = cache.asked
    for n in range(50):
        _, again = get(client, f"/license/klein/badge.svg?style=flat-square&junk{n}={'x' * 1000}&n={n}")
        assert again == body
    # any spelling of the name is the same package
    assert get(client, "/license/KLEIN/badge.svg?style=flat-square")[1] == body
    assert cache.asked == asked
    # a parameter a badge reads does make another
    get(client, "/license/klein/badge.svg?style=flat-square&label=x")
    assert cache.asked == asked + 1


def test_every_invalid_name_is_one_response():
    upstream, clock, cache, site = make_site()
    client = StubTreq(site.resource())
    first = get(client, "/v/-nope-/badge.json")[1]
    assert [get(client, f"/v/-{n}-{'y' * 500}/badge.json")[1] for n in range(20)] == [first] * 20
    assert json.loads(first)["message"] == "invalid package name"
    assert len(site._ready) == 1
    assert cache.asked == 0 and upstream.requests == []


def test_responses_kept_are_bounded_by_bytes():
    upstream, clock, cache, site = make_site(ready_bytes=50_000)
    client = StubTreq(site.resource())
    sizes = []
    for n in range(200):
        response, body = get(client, f"/license/klein/badge.svg?label={n}-{'z' * 200}")
        assert response.code == 200
        sizes.append(len(body))
    assert site._ready.bytes <= 50_000
    # as many of the newest as fit, each a little more than its body
    assert 50_000 / (max(sizes) + 2000) < len(site._ready) < 50_000 / min(sizes)


def _keep_many(ready, count, body):
    """
    Keep C{count} responses of one C{body} (as the benchmark's packages share theirs), each
    under a key of strings and bytes made afresh, as a request's are.
    """
    for n in range(count):
        args = {b"style": [f"flat-{n % 3}".encode()]}
        key = ready_key("", "".join(["lic", "ense"]), f"package-{n}", None, "".join(["s", "vg"]), args)
        ready.keep(key, Response(body, "image/svg+xml;charset=utf-8", 3600), 3600)


@pytest.mark.skipif(platform.python_implementation() != "CPython", reason="tracemalloc is CPython's")
def test_the_bytes_counted_are_what_kept_responses_cost():
    # beyond their bodies: the keys, the responses' objects and headers, the cache's slots
    import tracemalloc

    body, count = b"<svg/>" * 200, 5000
    ready = Ready(Clock(), 1 << 30)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        _keep_many(ready, count, body)
        cost = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    counted = ready.bytes - count * len(body)
    assert 0.9 * cost <= counted <= 1.5 * cost, (counted / count, cost / count)


def test_headers_are_shared_by_responses_alike():
    # all but the entity tag: kept apart for each response, they were most of what it cost
    one, other = (Response(body, "image/svg+xml;charset=utf-8", 3600) for body in (b"<a/>", b"<b/>"))
    assert one.etag != other.etag
    assert all(a is b for a, b in zip(one.headers, other.headers) if a[0] != b"ETag")
    assert dict(one.headers)[b"ETag"] == one.etag.encode("ascii")


def key(**args):
    return ready_key("", "v", "klein", None, "svg", {k.encode(): [v.encode() for v in vs] for k, vs in args.items()})


def test_ready_key_names_every_parameter_of_issue_16():
    keys = {key(), key(logo=["python"]), key(logoColor=["red"]), key(logoSize=["auto"]),
            key(link=["https://a.example"]), key(link=["https://a.example", "https://b.example"]),
            key(cacheSeconds=["9000"]), key(maxAge=["9000"]), key(colorA=["red"]), key(colorB=["red"])}
    assert len(keys) == 10
    # a third link is never drawn, and makes no entry of its own
    assert key(link=["https://a.example", "https://b.example", "x"]) == key(link=["https://a.example", "https://b.example"])
    # nor does a logo too long to draw
    assert key(logo=["x" * (q.MAX_LOGO + 1)]) == key(logo=["y" * (q.MAX_LOGO + 5)])
    assert key(logo=["é" * q.MAX_LOGO]) != key(logo=["e" * q.MAX_LOGO])


# Sent before Klein routes the request: what Klein's route would send, byte for byte, and only
# for a request Klein would give a badge route.

WARM = ["/license/klein/badge.svg", "/v/klein/badge.json", "/license/klein/badge.svg?style=flat-square",
        "/pypi/l/klein.svg", "/pypi/l/klein", "/pypi/v/klein.json"]


def ready_and_routed():
    upstream, clock, cache, site = make_site()
    ready_first, routed = StubTreq(site.resource()), StubTreq(site.app.resource())
    for path in WARM:
        assert get(ready_first, path)[0].code == 200
    return site, ready_first, routed


def answer(client, path, method="GET", headers=None):
    response = fired(client.request(method, "http://badges.test" + path, headers=headers))
    sent = {name: values for name, values in response.headers.getAllRawHeaders() if name != b"Date"}
    return response.code, sent, fired(treq.content(response))


@pytest.mark.parametrize("path", WARM)
def test_sent_before_routing_as_the_route_sends_it(path):
    site, ready_first, routed = ready_and_routed()
    etag = answer(ready_first, path)[1][b"ETag"][0].decode()
    for method, headers in (("GET", None), ("HEAD", None), ("GET", {"If-None-Match": etag})):
        assert answer(ready_first, path, method, headers) == answer(routed, path, method, headers)


def raw(path, method=b"GET", host=b"badges.test"):
    from twisted.web.server import Request
    from twisted.web.test.requesthelper import DummyChannel

    request = Request(DummyChannel())
    request.method, request.uri, request.clientproto = method, path, b"HTTP/1.1"
    request.path = path.partition(b"?")[0]
    request.requestHeaders.setRawHeaders(b"host", [host])
    return request


def test_what_is_sent_before_routing():
    site, ready_first, routed = ready_and_routed()
    assert site.send_ready(raw(b"/license/klein/badge.svg")) is not None
    assert site.send_ready(raw(b"/license/klein/badge.svg", b"HEAD")) is not None
    assert site.send_ready(raw(b"/pypi/l/klein")) is not None
    # not kept
    assert site.send_ready(raw(b"/license/twisted/badge.svg")) is None
    # Klein's own answers: a method no route takes, escapes it decodes, a route it prefers
    assert site.send_ready(raw(b"/license/klein/badge.svg", b"POST")) is None
    assert site.send_ready(raw(b"/license/kl%65in/badge.svg")) is None
    assert site.send_ready(raw(b"/badge/klein/badge.svg")) is None
    assert site.send_ready(raw(b"/pypi/djversions/klein.svg")) is None


@pytest.mark.parametrize("host", [b"a" * 64 + b".test", b"badges..test", b"b\xffdges.test"])
def test_a_host_that_names_no_host_is_a_400_kept_or_not(host):
    """
    A Host Klein's router cannot encode (a label over 63 characters, an empty one) is a 400
    before any route, whether the badge is kept ready or not; werkzeug answered a 500 with a
    traceback. The same Host asked again is answered alike (the check is remembered).
    """
    site, ready_first, routed = ready_and_routed()
    for path in (WARM[0], "/license/twisted/badge.svg", "/nothing/here"):
        for _ in range(2):
            code, _, body = answer(ready_first, path, headers={b"Host": [host]})
            assert (code, body) == (400, b"The Host header names no host.\n")
    assert answer(ready_first, WARM[0])[0] == 200
    # a name of letters beyond ASCII, sent as UTF-8, is one
    assert answer(ready_first, WARM[0], headers={b"Host": ["bädges.test".encode()]})[0] == 200
