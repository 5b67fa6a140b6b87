"""
The badge routes of the service built by makeService, over loopback, with the PyPI and
pypistats stand-in and a real Redis.
"""

import time
import xml.etree.ElementTree as ET

import pytest
import pytest_twisted

from tests.helpers import SVG, endpoint, svg_texts, until

pytestmark = pytest.mark.system

# badge, package, label, message, colour: one row per case of BADGES.md's table that a
# recorded or synthetic document shows
CASES = [
    ("license", "klein", "license", "MIT", "blue"),
    ("license", "attrs", "license", "MIT", "blue"),  # license_expression
    ("license", "txredisapi", "license", "Apache-2.0", "blue"),  # a 42-character URL: classifiers
    ("license", "eggy", "license", "GPLv3", "blue"),  # UNKNOWN, DFSG approved dropped
    ("license", "bare", "license", "unknown", "red"),
    ("license", "requires-only", "license", "zlib/libpng, ISCL", "blue"),  # two lines: classifiers
    ("license", "mature-stubs", "license", "0BSD, CC0-1.0", "blue"),
    ("license", "prerelease-pkg", "license", "Apache 2.0", "blue"),
    ("v", "klein", "pypi", "24.8.0", "brightgreen"),
    ("version", "twisted", "pypi", "26.10.0", "brightgreen"),
    ("version", "prerelease-pkg", "pypi", "2.0b1", "orange"),
    ("version", "dev-pkg", "pypi", "1.1.dev3", "orange"),
    ("version", "weird-version", "pypi", "banana-split", "lightgrey"),
    ("wheel", "klein", "wheel", "yes", "brightgreen"),
    ("wheel", "eggy", "wheel", "no", "red"),
    ("egg", "eggy", "egg", "yes", "red"),
    ("egg", "klein", "egg", "no", "brightgreen"),
    ("format", "klein", "format", "wheel", "brightgreen"),
    ("format", "eggy", "format", "egg", "red"),
    ("format", "dev-pkg", "format", "source", "yellow"),
    ("format", "bare", "format", "source", "yellow"),
    ("py_versions", "klein", "python", "3.7, 3.8, 3.9, 3.10, 3.11", "blue"),
    ("py_versions", "twisted", "python", "3.10, 3.11, 3.12, 3.13, 3.14", "blue"),
    ("py_versions", "hyperlink", "python", "2.6, 2.7, 3.4, 3.5, 3.6, 3.7, 3.8, 3.9", "blue"),
    ("py_versions", "eggy", "python", "2.7", "blue"),
    ("py_versions", "prerelease-pkg", "python", "3", "blue"),  # 3 :: Only
    ("py_versions", "mature-stubs", "python", "2, 3.9, 3.10", "blue"),
    ("py_versions", "requires-only", "python", ">=3.8,<4", "blue"),
    ("py_versions", "bare", "python", "unknown", "lightgrey"),
    ("implementation", "klein", "implementation", "cpython, pypy", "blue"),
    ("implementation", "hyperlink", "implementation", "pypy", "blue"),
    ("implementation", "requires-only", "implementation", "jython", "blue"),
    ("implementation", "bare", "implementation", "cpython", "blue"),
    ("status", "attrs", "status", "stable", "brightgreen"),
    ("status", "eggy", "status", "alpha", "red"),
    ("status", "prerelease-pkg", "status", "beta", "yellow"),
    ("status", "requires-only", "status", "mature", "brightgreen"),
    ("status", "dev-pkg", "status", "pre-alpha", "red"),
    ("status", "weird-version", "status", "inactive", "red"),
    ("status", "klein", "status", "unknown", "lightgrey"),
    ("d", "klein", "downloads", "61k/month", "brightgreen"),
    ("download", "attrs", "downloads", "312M/month", "brightgreen"),
    ("d", "prerelease-pkg", "downloads", "99/month", "yellowgreen"),
    ("d", "eggy", "downloads", "9/month", "yellow"),
    ("d", "bare", "downloads", "0/month", "red"),
    ("d", "txredisapi", "downloads", "6.9k/month", "brightgreen"),
    # issue 7
    ("types", "typed-django", "types", "typed", "brightgreen"),
    ("types", "types-foo", "types", "stubs", "brightgreen"),
    ("types", "klein", "types", "untyped", "red"),
    ("requires", "twisted", "requires python", ">=3.10", "blue"),
    ("requires", "requires-only", "requires python", ">=3.8,<4", "blue"),
    ("requires", "hyperlink", "requires python", "any", "lightgrey"),
    ("djversions", "typed-django", "django versions", "3.2, 4.2, 5.0, 5.1", "blue"),
    ("frameworks", "typed-django", "django versions", "3.2, 4.2, 5.0, 5.1", "blue"),
    ("djversions", "klein", "django versions", "unknown", "lightgrey"),
]


@pytest.mark.parametrize("kind, package, label, message, color", CASES)
@pytest_twisted.ensureDeferred
async def test_badge(service, kind, package, label, message, color):
    """
    Each badge says what BADGES.md says, in JSON and in SVG alike.
    """
    data = endpoint(await service.get(f"/{kind}/{package}/badge.json"))
    assert data == {"schemaVersion": 1, "label": label, "message": message, "color": color}
    response = await service.get(f"/{kind}/{package}/badge.svg")
    assert response.code == 200
    assert response.headers.getRawHeaders("content-type") == ["image/svg+xml;charset=utf-8"]
    texts = svg_texts(response.body)
    assert texts == {"title": f"{label}: {message}", "aria-label": f"{label}: {message}"}


@pytest.mark.parametrize(
    "query, message",
    [("period=day", "2.1k/day"), ("period=week", "15k/week"), ("period=month", "61k/month"),
     ("period=year", "61k/month"), ("period=", "61k/month")],
)
@pytest_twisted.ensureDeferred
async def test_download_periods(service, query, message):
    data = endpoint(await service.get(f"/d/klein/badge.json?{query}"))
    assert data["message"] == message


@pytest.mark.parametrize(
    "query, label, message",
    [("framework=wagtail", "wagtail versions", "6"), ("framework=django-cms", "django-cms versions", "3.11"),
     ("framework=jupyterlab", "jupyterlab versions", "4"),
     ("framework=rails", "framework versions", "unknown framework")],
)
@pytest_twisted.ensureDeferred
async def test_frameworks(service, query, label, message):
    data = endpoint(await service.get(f"/frameworks/typed-django/badge.json?{query}"))
    assert (data["label"], data["message"]) == (label, message)


@pytest_twisted.ensureDeferred
async def test_query_parameters(service):
    data = endpoint(await service.get("/v/klein/badge.json?text=version"))
    assert (data["label"], data["message"]) == ("version", "24.8.0")
    data = endpoint(await service.get("/v/klein/badge.json?label=latest&color=ABC&labelColor=%23123456"))
    assert data == {"schemaVersion": 1, "label": "latest", "message": "24.8.0", "color": "#abc",
                    "labelColor": "#123456"}
    data = endpoint(await service.get("/license/klein/badge.json?color=success&labelColor=nonsense"))
    assert data == {"schemaVersion": 1, "label": "license", "message": "MIT", "color": "brightgreen"}
    response = await service.get("/license/klein/badge.svg?style=flat-square&color=critical")
    assert b'fill="#dd4343"' in response.body and b'shape-rendering="crispEdges"' in response.body


@pytest.mark.parametrize("style", ["flat", "flat-square", "plastic", "for-the-badge", "social", "bogus"])
@pytest_twisted.ensureDeferred
async def test_styles_are_well_formed(service, style):
    response = await service.get(f"/license/klein/badge.svg?style={style}")
    assert response.code == 200
    root = ET.fromstring(response.body)
    assert root.tag == SVG + "svg"
    assert float(root.get("width")) > 20


@pytest_twisted.ensureDeferred
async def test_markup_from_pypi_is_text(service):
    """
    A license field of <script> comes out as text, never as an element.
    """
    response = await service.get("/license/scripty/badge.svg")
    assert b"<script" not in response.body
    assert b"&lt;script&gt;" in response.body
    assert svg_texts(response.body)["title"] == "license: <script>alert(1)</script>"
    data = endpoint(await service.get("/license/scripty/badge.json"))
    assert data["message"] == "<script>alert(1)</script>"


@pytest.mark.parametrize("kind, label", [("license", "license"), ("d", "downloads"), ("py_versions", "python")])
@pytest_twisted.ensureDeferred
async def test_not_found(service, upstream, kind, label):
    data = endpoint(await service.get(f"/{kind}/no-such-package/badge.json"))
    assert data == {"schemaVersion": 1, "label": label, "message": "package not found",
                    "color": "red", "isError": True}


@pytest.mark.parametrize(
    "name", ["-leading", "trailing-", "a" * 129, "sp%20ace", "caf%C3%A9", "..", "a..b%0A", "%3Cscript%3E"]
)
@pytest_twisted.ensureDeferred
async def test_invalid_name_never_reaches_upstream(service, upstream, name):
    response = await service.get(f"/license/{name}/badge.svg")
    assert response.code == 200
    assert svg_texts(response.body)["title"] == "license: invalid package name"
    data = endpoint(await service.get(f"/v/{name}/badge.json?color=blue"))
    assert data == {"schemaVersion": 1, "label": "pypi", "message": "invalid package name",
                    "color": "red", "isError": True}
    assert upstream.requests == []


@pytest.mark.parametrize("how", ["500", "429", "garbage", "wrong-shape"])
@pytest_twisted.ensureDeferred
async def test_unavailable(service, upstream, how):
    upstream.resource.fail("klein", how)
    data = endpoint(await service.get("/status/klein/badge.json"))
    assert data == {"schemaVersion": 1, "label": "status", "message": "unavailable",
                    "color": "lightgrey", "isError": True}
    data = endpoint(await service.get("/d/klein/badge.json?label=dl"))
    # pypistats' 429 is its budget spent (by someone else on the address): the counts wait
    # their turn, and the badge says so (test_downloads)
    message = "queued" if how == "429" else "unavailable"
    assert data == {"schemaVersion": 1, "label": "dl", "message": message,
                    "color": "lightgrey", "isError": True}
    # a failing upstream is not asked again at once (test_lookup: again after RETRY_AFTER)
    await service.get("/license/klein/badge.json")
    assert upstream.requests == ["/pypi/klein/json", "/stats/packages/klein/recent"]


@pytest.mark.parametrize("how", ["500", "429", "garbage", "wrong-shape", "hang"])
@pytest_twisted.ensureDeferred
async def test_stale_over_errors(upstream, redis, how):
    """
    Facts past their TTL are served when the upstream fails, marked, and kept shortly.
    """
    from tests.helpers import make_service

    running = make_service(upstream, redis.url, "--upstream-timeout", "0.5")
    try:
        await until(lambda: running.redis.connected)
        fresh = await running.get("/license/klein/badge.svg")
        assert fresh.headers.getRawHeaders("x-pypipins-stale") is None
        # an hour ago, as far as the cache knows
        fetched_at, record = redis.cached("pypipins:facts:klein")
        redis.keep("pypipins:facts:klein", fetched_at - 3600, record)
        upstream.resource.fail("klein", how)
        # (a URL not asked before: the fresh response is kept ready for its 600 s)
        for _ in range(3):
            stale = await running.get("/license/klein/badge.svg?style=flat")
            assert stale.code == 200 and stale.body == fresh.body
            assert stale.headers.getRawHeaders("x-pypipins-stale") == ["true"]
            assert "max-age=60," in stale.headers.getRawHeaders("cache-control")[0]
        await until(lambda: len(upstream.requests) == 2)
        assert upstream.requests == ["/pypi/klein/json"] * 2
    finally:
        await running.service.stopService()


@pytest_twisted.ensureDeferred
async def test_unreachable_and_slow_upstreams(upstream, redis):
    from tests.helpers import free_port, make_service

    upstream.resource.fail("klein", "hang")
    running = make_service(upstream, redis.url, "--upstream-timeout", "0.5")
    try:
        data = endpoint(await running.get("/v/klein/badge.json"))
        assert data["message"] == "unavailable"
    finally:
        await running.service.stopService()
    # nothing listens there
    upstream.port, real_port = free_port(), upstream.port
    running = make_service(upstream, redis.url)
    upstream.port = real_port
    try:
        data = endpoint(await running.get("/v/klein/badge.json"))
        assert (data["message"], data["color"]) == ("unavailable", "lightgrey")
    finally:
        await running.service.stopService()


@pytest.mark.parametrize(
    "path",
    ["/nope/klein/badge.svg", "/license/klein/badge.pdf", "/license/klein/badge.", "/license/klein/other.svg",
     "/license/klein", "/license/klein/badge.svg/extra", "/badges/nope"],
)
@pytest_twisted.ensureDeferred
async def test_unknown_badge_or_extension_is_404(service, upstream, path):
    response = await service.get(path)
    assert response.code == 404
    assert b"Traceback" not in response.body
    assert upstream.requests == []


@pytest_twisted.ensureDeferred
async def test_nine_badges_one_upstream_request(service, upstream, redis):
    """
    The nine badges of a README, asked for at once, cost one PyPI request, then none until
    the TTL has passed; the condensed facts are in Redis, well under 2 KB.
    """
    from twisted.internet.defer import gatherResults

    kinds = ["v", "version", "wheel", "egg", "format", "license", "py_versions", "implementation", "status"]
    responses = await gatherResults([service.get(f"/{k}/Twisted/badge.svg") for k in kinds])
    assert [r.code for r in responses] == [200] * 9
    responses = await gatherResults([service.get(f"/{k}/twisted/badge.json") for k in kinds])
    assert upstream.requests == ["/pypi/twisted/json"]
    fetched_at, record = redis.cached("pypipins:facts:twisted")
    assert record["version"] == "26.10.0"
    assert len(redis.command("GET", "pypipins:facts:twisted")) < 2048
    assert abs(fetched_at - time.time()) < 30
    # kept a week, to be served should PyPI fail; fresh for --cache-ttl (600 s)
    assert 604790 <= int(redis.command("TTL", "pypipins:facts:twisted")) <= 604800


@pytest_twisted.ensureDeferred
async def test_head(service):
    import treq

    response = await treq.head(service.url("/license/klein/badge.svg"))
    body = await response.content()
    assert response.code == 200 and body == b""
    assert response.headers.getRawHeaders("content-type") == ["image/svg+xml;charset=utf-8"]


@pytest_twisted.ensureDeferred
async def test_200_concurrent_requests_one_upstream_request(service, upstream):
    """
    Every badge kind, style and format of one uncached package, asked for at once while PyPI
    takes its time: one request to PyPI.
    """
    from twisted.internet.defer import gatherResults

    upstream.resource.fail("treq", "slow")
    kinds = ["v", "version", "wheel", "egg", "format", "license", "py_versions", "implementation", "status"]
    styles = ["flat", "flat-square", "plastic", "for-the-badge", "social"]
    exts = ["svg", "json", "png", "gif"]
    paths = [f"/{kinds[i % 9]}/treq/badge.{exts[i % 4]}?style={styles[i % 5]}" for i in range(200)]
    responses = await gatherResults([service.get(path) for path in paths])
    assert [r.code for r in responses] == [200] * 200
    assert upstream.requests == ["/pypi/treq/json"]
    data = endpoint(await service.get("/v/treq/badge.json"))
    assert data["message"] == "26.7.0"


@pytest.mark.parametrize("stored", ["not a record", "key=pypipins:facts:klein\nnot a record",
                                    "key=pypipins:facts:klein\n1.0\n[1, 2]"])
@pytest_twisted.ensureDeferred
async def test_an_unreadable_record_in_redis_is_a_miss(upstream, redis, stored):
    """
    A record the daemon cannot read (written by another program or version) is asked for
    again, never a 500.
    """
    from tests.helpers import make_service

    running = make_service(upstream, redis.url)
    try:
        await until(lambda: running.redis.connected)
        redis.command("SET", "pypipins:facts:klein", stored)
        response = await running.get("/license/klein/badge.svg")
        assert response.code == 200
        assert svg_texts(response.body)["title"] == "license: MIT"
        assert upstream.requests == ["/pypi/klein/json"]
    finally:
        await running.service.stopService()
