"""
Responses kept ready: sent again without asking the cache or drawing, for exactly as long as
the facts they say are fresh; never for errors or stale facts. On a Clock, in memory.
"""

import json

import treq
from treq.testing import StubTreq
from twisted.internet.task import Clock

from pypipins.cache import MemoryCache
from pypipins.drawing import InProcessDrawer
from pypipins.images import LocalImages
from pypipins.lookup import RETRY_AFTER, Lookup
from pypipins.pypi import PyPI
from pypipins.pypistats import PyPIStats
from pypipins.upstream import Fetcher
from tests.conftest import fired, in_memory_site
from tests.standin import Upstream

TTL = 600


class CountingCache(MemoryCache):
    """
    The facts cache, counting how often it is asked.
    """

    asked = 0

    def get(self, key):
        self.asked += 1
        return super().get(key)


def make():
    upstream, clock = Upstream(), Clock()
    clock.advance(1_000_000)
    fetcher = Fetcher(StubTreq(upstream), clock)
    cache = CountingCache(clock)
    lookup = Lookup(cache, PyPI(fetcher, "http://u/pypi"), PyPIStats(fetcher, "http://u/stats"),
                    clock, TTL, 3600)
    site = in_memory_site(lookup, LocalImages(MemoryCache(clock), InProcessDrawer()), clock)
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
