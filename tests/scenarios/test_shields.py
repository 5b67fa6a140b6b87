"""
C{twistd shields}, the static-badge server, and pypipins drawing through it (C{--shields-url})
or, when it fails, in-process.
"""

import platform
import subprocess

import pytest
import pytest_twisted
import treq
from twisted.internet.defer import Deferred, gatherResults
from twisted.logger import globalLogPublisher

from treq.testing import StubTreq
from twisted.internet.task import Clock

from pypipins.store.cache import MemoryCache
from pypipins.drawing.images import LocalImages
from pypipins.render import raster, svg
from pypipins.web.static_badges import ShieldsSite
from tests.drawers import InProcessDrawer
from tests.helpers import TWISTD, alive, children, fired, free_port, make_service, until

pytestmark = pytest.mark.system


@pytest.fixture
def shields(start_daemon):
    return start_daemon(plugin="shields")


async def fetch(url, method="GET"):
    response = await treq.request(method, url)
    return response.code, response.headers.getRawHeaders("content-type", [""])[0], await response.content()


def test_twistd_lists_shields(tmp_path):
    out = subprocess.run([TWISTD, "--help"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "shields" in out.stdout
    out = subprocess.run([TWISTD, "shields", "--help"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "tcp:9000:interface=127.0.0.1" in out.stdout


@pytest.mark.parametrize(
    "path, label, message, color, label_color, style",
    [
        ("/badge/license-MIT-blue.svg", "license", "MIT", "blue", None, "flat"),
        ("/badge/license-MIT-blue", "license", "MIT", "blue", None, "flat"),
        ("/badge/MIT-blue.svg", "", "MIT", "blue", None, "flat"),
        ("/badge/a--b-c__d_e-ff0000.svg", "a-b", "c_d e", "#ff0000", None, "flat"),
        ("/badge/just%20text-61k%2Fmonth-abc.svg", "just text", "61k/month", "#abc", None, "flat"),
        ("/badge/x-y-red.svg?style=for-the-badge&labelColor=123456", "x", "y", "red", "#123456", "for-the-badge"),
        ("/badge/x-y-red.svg?style=social&colorA=blue", "x", "y", "red", "blue", "social"),
        ("/badge/x-y-red.svg?style=plastic&colorB=green&label=lbl", "lbl", "y", "green", None, "plastic"),
        ("/badge/x-y-nonsense.svg?style=flat-square", "x", "y", "brightgreen", None, "flat-square"),
        ("/badge/caf%C3%A9-%E2%9C%93-orange.svg", "café", "✓", "orange", None, "flat"),
    ],
)
def test_static_badges(path, label, message, color, label_color, style):
    # in memory, over the resource twistd shields serves (end to end: the tests below)
    clock = Clock()
    site = ShieldsSite(LocalImages(MemoryCache(clock), InProcessDrawer()))
    stub = StubTreq(site.resource())
    response = fired(stub.get("http://shields.test" + path))
    content_type = response.headers.getRawHeaders("content-type", [""])[0]
    assert (response.code, content_type) == (200, "image/svg+xml;charset=utf-8")
    body = fired(stub.content(response))
    assert body == svg.render(label, message, color, label_color, style).encode("utf-8")


@pytest_twisted.ensureDeferred
async def test_static_rasters_json_and_errors(shields):
    code, content_type, body = await fetch(shields.url("/badge/license-MIT-blue.png"))
    assert (code, content_type) == (200, "image/png")
    assert body == raster.png(svg.render("license", "MIT", "blue"))
    code, content_type, body = await fetch(shields.url("/badge/license-MIT-blue.json"))
    # badge-maker's JSON, as shields.io's server sends it
    assert (code, body) == (
        200, b'{"label":"license","message":"MIT","color":"blue","link":[],"name":"license","value":"MIT"}'
    )
    for path in ("/badge/nothing.svg", "/badge/a-b-c-d.svg", "/other/a-b-c.svg"):
        code, content_type, body = await fetch(shields.url(path))
        assert code == 404
    code, content_type, body = await fetch(shields.url("/badge/a-b-red.svg"), method="HEAD")
    assert (code, body) == (200, b"")
    assert "Traceback" not in shields.stop()


@pytest_twisted.ensureDeferred
async def test_a_raster_that_cannot_be_drawn_never_takes_shields_down(shields):
    await until(lambda: len(children(shields.process.pid)) == 2)
    code, content_type, body = await fetch(shields.url("/badge/%E2%80%AEgpj.exe-MIT-blue.png?style=plastic"))
    if platform.python_implementation() == "PyPy":  # resvg 0.2 panics
        assert (code, content_type) == (422, "text/plain;charset=utf-8")
        assert body == (b"This badge cannot be drawn as PNG. As SVG it can: "
                        b"/badge/%E2%80%AEgpj.exe-MIT-blue.svg?style=plastic\n")
    else:
        assert (code, content_type, body[:4]) == (200, "image/png", b"\x89PNG")
    code, content_type, body = await fetch(shields.url("/badge/%E2%80%AEgpj.exe-MIT-blue.svg?style=plastic"))
    assert (code, content_type) == (200, "image/svg+xml;charset=utf-8")
    code, content_type, body = await fetch(shields.url("/badge/a-b-red.jpg"))
    assert (code, content_type, body[:2]) == (200, "image/jpeg", b"\xff\xd8")
    workers = children(shields.process.pid)
    assert "Traceback" not in shields.stop()
    assert [pid for pid in workers if alive(pid)] == []


PATHS = [
    f"/{kind}/{package}/badge.{ext}{query}"
    for kind, package in [("license", "klein"), ("d", "attrs"), ("py_versions", "twisted"),
                          ("status", "eggy"), ("v", "prerelease-pkg"), ("license", "scripty"),
                          ("wheel", "no-such-package")]
    for ext in ("svg", "png", "json")
    for query in ("", "?style=for-the-badge&labelColor=abc", "?style=social&label=a-b_c%20d", "?label=ver-")
]


def get_all(port, paths):
    return gatherResults([
        Deferred.fromCoroutine(fetch(f"http://127.0.0.1:{port}{path}")) for path in paths
    ])


@pytest_twisted.ensureDeferred
async def test_drawing_through_shields_is_the_same(shields, upstream, redis):
    local = make_service(upstream, redis.url)
    proxied = make_service(upstream, redis.url, "--shields-url", shields.url(""))
    try:
        expected = await get_all(local.port, PATHS)
        assert [code for code, _, _ in expected] == [200] * len(PATHS)
        assert await get_all(proxied.port, PATHS) == expected
    finally:
        await local.service.stopService()
        await proxied.service.stopService()
    log = shields.stop()
    # every image (not the JSON) was drawn by the shields server, once
    assert log.count('"GET /badge/') == len([p for p in PATHS if ".json" not in p])


@pytest.mark.parametrize("where", ["dead", "wrong"])
@pytest_twisted.ensureDeferred
async def test_failing_shields_server_means_drawing_in_process(upstream, redis, where):
    """
    Nothing listening, or a server answering 404s and HTML: the same badges, drawn here, and
    one warning.
    """
    url = f"http://127.0.0.1:{free_port()}" if where == "dead" else f"http://127.0.0.1:{upstream.port}"
    events = []
    globalLogPublisher.addObserver(events.append)
    local = make_service(upstream, redis.url)
    proxied = make_service(upstream, redis.url, "--shields-url", url)
    try:
        expected = await get_all(local.port, PATHS)
        assert await get_all(proxied.port, PATHS) == expected
    finally:
        globalLogPublisher.removeObserver(events.append)
        await local.service.stopService()
        await proxied.service.stopService()
    warnings = [e for e in events if e.get("name") == "shields server" and e["log_level"].name == "warn"]
    assert len(warnings) == 1


@pytest_twisted.ensureDeferred
async def test_a_shields_server_that_cannot_draw_one_badge_is_not_failing(upstream, redis):
    """
    Our own C{twistd shields} answers 422 for a raster it cannot draw: an answer about that
    badge (drawn here, or refused here alike), not the server failing.
    """
    from twisted.web.resource import Resource
    from twisted.web.server import Site

    from twisted.internet import reactor

    class CannotDraw(Resource):
        isLeaf = True

        def render_GET(self, request):
            request.setResponseCode(422)
            request.setHeader("Content-Type", "text/plain;charset=utf-8")
            return b"This badge cannot be drawn as PNG."

    port = reactor.listenTCP(0, Site(CannotDraw()), interface="127.0.0.1")
    events = []
    globalLogPublisher.addObserver(events.append)
    proxied = make_service(upstream, redis.url, "--shields-url", f"http://127.0.0.1:{port.getHost().port}")
    try:
        for n in range(5):
            code, content_type, _ = await fetch(f"http://127.0.0.1:{proxied.port}/license/klein/badge.png?label={n}")
            assert (code, content_type) == (200, "image/png")
    finally:
        globalLogPublisher.removeObserver(events.append)
        await proxied.service.stopService()
        await port.stopListening()
    assert [e for e in events if e.get("name") == "shields server"] == []


@pytest_twisted.ensureDeferred
async def test_rasters_are_kept_in_redis_for_a_day(service, redis):
    response = await service.get("/license/klein/badge.png")
    assert response.code == 200
    keys = redis.command("KEYS", "pypipins:image:png:*").split()
    assert len(keys) == 1
    assert 86390 <= int(redis.command("TTL", keys[0])) <= 86400
    # an SVG is cheap to draw: kept in-process only
    await service.get("/license/klein/badge.svg")
    assert redis.command("KEYS", "pypipins:image:svg:*") == ""


@pytest_twisted.ensureDeferred
async def test_rasters_of_a_clients_label_or_colours_are_not_kept_in_redis(service, redis):
    """
    A client can ask for labels and colours without end: each raster would take Redis'
    memory for a day. Only badges as the service says them, in any of the five styles, are
    kept there.
    """
    for query in ("?label=mine", "?color=red", "?labelColor=abcdef", "?label=a&style=social",
                  "?color=nonsense"):
        response = await service.get("/license/klein/badge.png" + query)
        assert (response.code, response.body[:4]) == (200, b"\x89PNG")
    # (a colour that is no colour changes nothing: that badge is the service's own)
    assert len(redis.command("KEYS", "pypipins:image:*").split()) == 1
    for query in ("", "?style=flat-square", "?style=flat-square&period=week"):
        response = await service.get("/license/klein/badge.gif" + query)
        assert response.code == 200
    # the last is the same drawing as the one before
    assert len(redis.command("KEYS", "pypipins:image:gif:*").split()) == 2


@pytest_twisted.ensureDeferred
async def test_daemons_as_in_the_original_set_up(start_daemon, shields, upstream, redis):
    """
    C{twistd -n pypipins --shields-url} behind C{twistd -n shields} serves the same badges as
    C{twistd -n pypipins} drawing in-process.
    """
    common = ("--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url)
    proxied = start_daemon(*common, "--shields-url", shields.url(""))
    local = start_daemon(*common)
    paths = [p for p in PATHS if "social" not in p]
    expected = await get_all(local.port, paths)
    assert await get_all(proxied.port, paths) == expected
    assert '"GET /badge/' in shields.stop()
    assert "Traceback" not in proxied.stop()
