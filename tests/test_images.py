"""
Images from a shields server (C{--shields-url}), in memory: the server is a Twisted resource
behind treq.testing.StubTreq, time a Clock.
"""

import pytest
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.task import Clock
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET
from treq.testing import StubTreq

from pypipins.badges import Badge, Options
from pypipins.cache import MemoryCache
from pypipins.images import LocalImages, ShieldsImages
from pypipins.upstream.fetcher import Fetcher

pytestmark = pytest.mark.memory


class _Hanging(Resource):
    isLeaf = True

    def render_GET(self, request):
        return NOT_DONE_YET


class _CountingDrawer:
    """
    A raster drawer that only counts what it is asked to draw.
    """

    def __init__(self):
        self.asked = 0

    def draw(self, svg, ext):
        self.asked += 1
        return Deferred()


def _through_a_hanging_server():
    """
    Images from a shields server that never answers, drawn in-process by a counting drawer.
    """
    clock = Clock()
    fetcher = Fetcher(StubTreq(_Hanging()), clock, 3.0, "shields")
    drawer = _CountingDrawer()
    local = LocalImages(MemoryCache(clock), drawer)
    return clock, drawer, ShieldsImages(fetcher, "http://shields.test", local, MemoryCache(clock), clock)


def test_a_client_gone_is_neither_a_failing_shields_server_nor_drawn_for_nobody():
    clock, drawer, images = _through_a_hanging_server()
    failures = []
    d = images.image(Badge("license", "MIT", "blue"), Options(), "png")
    d.addErrback(failures.append)
    clock.advance(1)
    d.cancel()
    assert [f.type for f in failures] == [CancelledError]
    assert images._incident.failing_since is None
    assert drawer.asked == 0


def test_a_shields_server_that_does_not_answer_is_drawn_in_process():
    clock, drawer, images = _through_a_hanging_server()
    images.image(Badge("license", "MIT", "blue"), Options(), "png")
    clock.advance(3.1)
    assert images._incident.failing_since is not None
    assert drawer.asked == 1
