"""
Images in memory: from a shields server (C{--shields-url}), a Twisted resource behind
treq.testing.StubTreq, time a Clock; and rasters with a client's own logo, which reach a
drawer only when the logo holds nothing slow, and as the client's own making; the keys
images are kept under.
"""

import pytest
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.task import Clock
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET
from treq.testing import StubTreq

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest

from pypipins.badges import Badge, Options
from pypipins.store.cache import MemoryCache
from pypipins.drawing.drawer import ANYONE, REFUSED, CannotDraw, Origin
from pypipins.drawing.images import LocalImages, ShieldsImages, image_key, shareable
from pypipins.ops.metrics import Metrics
from pypipins.render import raster
from pypipins.render import svg as render_svg
from pypipins.upstream.fetcher import Fetcher
from tests.drawers import InProcessDrawer
from tests.helpers import sample
from tests.hostile_logos import ATTACK, png, svg, uri

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

    def draw(self, svg, ext, origin=None):
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


# -- a client's own logo in a raster ------------------------------------------------------------


class _RecordingDrawer:
    """
    A raster drawer that draws at once, and keeps who asked for what.
    """

    def __init__(self):
        self.asked = []

    def draw(self, svg, ext, origin=ANYONE):
        self.asked.append(origin)
        return InProcessDrawer().draw(svg, ext, origin)


def _image(images, options, ext="png", client=""):
    results = []
    images.image(Badge("license", "MIT", "blue"), options, ext, client).addBoth(results.append)
    [result] = results
    return result


def test_a_raster_of_a_clients_logo_that_holds_a_filter_reaches_no_worker():
    drawer = _RecordingDrawer()
    metrics = Metrics(CollectorRegistry())
    images = LocalImages(MemoryCache(Clock()), drawer, metrics=metrics)
    logo = uri(ATTACK)
    failure = _image(images, Options(logo=logo), "png", "203.0.113.1")
    assert failure.check(CannotDraw) and failure.value.reason == REFUSED
    assert "filter" in failure.value.detail
    assert drawer.asked == []
    assert sample(generate_latest(metrics.registry).decode(), "pypipins_raster_drawings_total",
                  outcome="refused") == 1
    # the SVG keeps it, for the browser to draw
    assert logo.encode() in _image(images, Options(logo=logo), "svg")


@pytest.mark.parametrize("logo, client_made", [
    (svg('<rect width="24" height="24"/>'), True),
    ("python", False),
    (None, False),
])
def test_who_asked_and_whether_they_made_the_logo_reach_the_drawer(logo, client_made):
    drawer = _RecordingDrawer()
    images = LocalImages(MemoryCache(Clock()), drawer)
    assert _image(images, Options(logo=logo), "gif", "198.51.100.7")[:3] == b"GIF"
    assert drawer.asked == [Origin("198.51.100.7", client_made)]


@pytest.mark.parametrize("logo", [svg('<circle cx="12" cy="12" r="9" fill="red"/>'), uri(png(40, 40), "image/png")])
@pytest.mark.parametrize("ext", ["png", "jpg"])
def test_logos_as_they_come_are_drawn_as_before(logo, ext):
    images = LocalImages(MemoryCache(Clock()), InProcessDrawer())
    drawn = _image(images, Options(logo=logo), ext)
    assert drawn == raster.rasterize(render_svg.render("license", "MIT", "blue", logo=logo), ext)


def test_image_key_names_the_logo_and_links():
    badge = Badge("a", "b", "blue")
    keys = {
        image_key(badge, Options.from_query(query, links), "svg")
        for query, links in [
            ({}, []), ({"logo": "python"}, []), ({"logo": "pypi"}, []),
            ({"logo": "python", "logoColor": "red"}, []), ({"logo": "python", "logoSize": "auto"}, []),
            ({}, ["https://a.example"]), ({}, ["https://b.example"]),
            ({}, ["https://a.example", "https://b.example"]),
        ]
    }
    assert len(keys) == 8
    # cacheSeconds changes no picture
    assert image_key(badge, Options.from_query({"cacheSeconds": "9000"}), "svg") == image_key(badge, Options(), "svg")


def test_rasters_with_logos_or_links_are_not_shared():
    assert shareable(Options())
    assert not shareable(Options.from_query({"logo": "python"}))
    assert not shareable(Options.from_query({}, ["https://a.example"]))
