"""
HTTP done right: caching headers by badge kind, ETags and 304s, HEAD, 405s, and the safety
headers, on the service built by makeService.
"""

import re

import pytest
import pytest_twisted
import treq
from twisted.logger import globalLogPublisher

pytestmark = pytest.mark.system


def header(response, name):
    return (response.headers.getRawHeaders(name) or [None])[0]


def max_age(response):
    return int(re.search(r"(?:^|, )max-age=(\d+)", header(response, "cache-control")).group(1))


@pytest_twisted.ensureDeferred
async def test_cache_control_by_kind(service):
    ages = {}
    for kind in ("v", "d", "wheel", "license", "py_versions", "status"):
        response = await service.get(f"/{kind}/klein/badge.svg")
        control = header(response, "cache-control")
        assert control.startswith("public, ")
        assert f"s-maxage={max_age(response)}" in control
        assert "stale-while-revalidate=86400" in control and "stale-if-error=604800" in control
        ages[kind] = max_age(response)
    assert ages["v"] < ages["wheel"] < ages["license"] == ages["py_versions"]
    # an error is asked again soon
    response = await service.get("/license/no-such-package/badge.svg")
    assert max_age(response) < ages["v"]
    response = await service.get("/nope/klein/badge.svg")
    assert response.code == 404 and max_age(response) < ages["v"]


@pytest.mark.parametrize("ext", ["svg", "png", "json"])
@pytest_twisted.ensureDeferred
async def test_etag_and_304(service, ext):
    first = await service.get(f"/license/klein/badge.{ext}")
    etag = header(first, "etag")
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong: no W/
    again = await service.get(f"/license/klein/badge.{ext}")
    assert header(again, "etag") == etag and again.body == first.body
    cached = await service.get(f"/license/klein/badge.{ext}", headers={"If-None-Match": etag})
    assert (cached.code, cached.body) == (304, b"")
    other = await service.get(f"/license/klein/badge.{ext}", headers={"If-None-Match": '"0000"'})
    assert (other.code, other.body) == (200, first.body)
    # the ETag is the body's: another style, another ETag
    styled = await service.get(f"/license/klein/badge.{ext}?style=flat-square&labelColor=red")
    assert header(styled, "etag") != etag


@pytest_twisted.ensureDeferred
async def test_head_and_other_methods(service):
    get = await service.get("/v/klein/badge.svg")
    head = await treq.head(service.url("/v/klein/badge.svg"))
    assert head.code == 200 and await head.content() == b""
    for name in ("content-type", "etag", "cache-control"):
        assert header(head, name) == header(get, name)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = await treq.request(method, service.url("/v/klein/badge.svg"))
        assert response.code == 405
        assert b"Traceback" not in await response.content()


@pytest_twisted.ensureDeferred
async def test_safety_headers(service):
    svg = await service.get("/license/scripty/badge.svg")
    assert header(svg, "x-content-type-options") == "nosniff"
    policy = header(svg, "content-security-policy")
    assert "default-src 'none'" in policy and "script-src" not in policy
    png = await service.get("/license/klein/badge.png")
    assert header(png, "x-content-type-options") == "nosniff"
    assert header(png, "content-type") == "image/png"


@pytest.mark.parametrize("path", ["/license/%FF%FE/badge.svg", "/%C3%28/klein/badge.svg", "/license/klein/badge.%80"])
@pytest_twisted.ensureDeferred
async def test_a_path_that_is_not_utf8_is_a_404(service, upstream, path):
    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        response = await service.get(path)
    finally:
        globalLogPublisher.removeObserver(events.append)
    assert response.code == 404
    assert b"Traceback" not in response.body
    assert not [e for e in events if e.get("log_failure") is not None or e.get("isError")]
    assert upstream.requests == []
