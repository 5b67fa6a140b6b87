"""
Issue 16, "truly drop-in for img.shields.io", row by row through the daemons as users start
them: C{twistd -n pypipins} (with the stand-in upstream and Redis) and C{twistd -n shields}.
The rows that draw logos and links, and the colours render/ takes, are in
tests/scenarios/test_dropin_drawn.py.
"""

import json
import re
from typing import Any, Dict, Tuple

import pytest
import pytest_twisted
import treq

from tests.helpers import svg_texts

pytestmark = pytest.mark.system


async def get(url: str) -> Tuple[int, Any, bytes]:
    response = await treq.get(url, allow_redirects=False)
    return response.code, response.headers, await response.content()


def max_age(headers: Any) -> int:
    control = headers.getRawHeaders("cache-control")[0]
    [age] = re.findall(r"(?:^|, )max-age=(\d+)", control)
    [shared] = re.findall(r"s-maxage=(\d+)", control)
    assert age == shared, control
    return int(age)


@pytest.fixture
def pypipins(start_daemon, upstream, redis):
    return start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url)


@pytest.fixture
def shields(start_daemon):
    return start_daemon(plugin="shields")


def document(code: int, body: bytes) -> Dict[str, Any]:
    assert code == 200, body
    return json.loads(body)


@pytest_twisted.ensureDeferred
async def test_cross_origin_headers_on_every_badge(pypipins, shields):
    urls = [pypipins.url(p) for p in (
        "/v/klein/badge.svg", "/v/klein/badge.png", "/v/klein/badge.json", "/pypi/v/klein.svg",
        "/pypi/l/klein.png", "/pypi/v/klein.json", "/pypi/v/klein", "/pypi/v/nonesuch.svg",
        "/badge/a-b-blue.svg", "/badge/a-b-blue.json")]
    urls += [shields.url(p) for p in ("/badge/a-b-blue.svg", "/badge/a-b-blue.png", "/badge/a-b-blue.json",
                                      "/badge/a-b-blue")]
    for url in urls + urls:  # the second time, kept ready
        code, headers, _ = await get(url)
        assert code == 200, url
        assert headers.getRawHeaders("access-control-allow-origin") == ["*"], url
        assert headers.getRawHeaders("cross-origin-resource-policy") == ["cross-origin"], url


@pytest_twisted.ensureDeferred
async def test_cache_seconds_raise_max_age_never_lower(pypipins, shields):
    for url, own in [(pypipins.url("/v/klein/badge.svg"), 300), (pypipins.url("/pypi/l/klein.json"), 3600),
                     (pypipins.url("/badge/a-b-blue.svg"), 86400), (shields.url("/badge/a-b-blue.png"), 86400)]:
        assert max_age((await get(url))[1]) == own
        assert max_age((await get(url + "?cacheSeconds=30"))[1]) == own
        assert max_age((await get(url + "?cacheSeconds=604800"))[1]) == 604800
        assert max_age((await get(url + "?maxAge=1209600"))[1]) == 1209600


@pytest_twisted.ensureDeferred
async def test_error_badges_keep_their_own_max_age(start_daemon, redis):
    """
    With every upstream refusing: C{unavailable} on both route families, as SVG, JSON and
    raster, and an invalid name, keep their own max-age whatever C{cacheSeconds} asks.
    """
    daemon = start_daemon("--redis", redis.url, "--pypi-url", "http://127.0.0.1:1/pypi",
                          "--stats-url", "http://127.0.0.1:1/stats")
    for path, own in [("/v/klein/badge.svg", 60), ("/pypi/v/klein.svg", 60), ("/pypi/l/klein.json", 60),
                      ("/d/klein/badge.png", 60), ("/pypi/dm/klein", 60),
                      ("/v/-leading/badge.svg", 3600), ("/pypi/v/-leading.json", 3600)]:
        for asked in ("?cacheSeconds=86400", "?maxAge=86400", ""):
            code, headers, body = await get(daemon.url(path + asked))
            assert code == 200, (path, body)
            assert max_age(headers) == own, (path, asked)
    assert "Traceback" not in daemon.stop()


@pytest_twisted.ensureDeferred
async def test_legacy_colour_names(pypipins, shields):
    for url in (pypipins.url("/pypi/v/klein.json"), pypipins.url("/v/klein/badge.json"),
                shields.url("/badge/a-b-blue.json")):
        code, _, body = await get(url + "?colorA=123456&colorB=orange")
        said = document(code, body)
        assert (said["labelColor"], said["color"]) == ("#123456", "orange"), url


@pytest_twisted.ensureDeferred
async def test_status_without_classifier_says_unknown(pypipins):
    code, _, body = await get(pypipins.url("/pypi/status/bare.json"))
    said = document(code, body)
    assert (said["message"], said["color"]) == ("unknown", "lightgrey")
    code, _, body = await get(pypipins.url("/pypi/status/bare.svg"))
    assert svg_texts(body)["title"] == "status: unknown"


@pytest_twisted.ensureDeferred
async def test_framework_versions_and_djversions_moved(pypipins):
    code, _, body = await get(pypipins.url("/pypi/frameworkversions/django/typed-django.json"))
    said = document(code, body)
    assert (said["label"], said["message"], said["color"]) == ("django versions", "3.2 | 4.2 | 5.0 | 5.1", "blue")
    code, _, body = await get(pypipins.url("/pypi/frameworkversions/wagtail/typed-django.svg"))
    assert svg_texts(body)["title"] == "wagtail versions: 6"
    code, _, body = await get(pypipins.url("/pypi/frameworkversions/plone/klein.json"))
    assert document(code, body)["message"] == "Plone versions are missing for klein"
    # as the URL spells the package and release, as shields says it (issue 25)
    for path, asked in [("Klein", "Klein"), ("klein/24.8.0", "klein/24.8.0"), ("klein", "klein")]:
        code, _, body = await get(pypipins.url(f"/pypi/frameworkversions/plone/{path}.json"))
        assert document(code, body)["message"] == f"Plone versions are missing for {asked}"
    code, _, _ = await get(pypipins.url("/pypi/frameworkversions/rails/klein.json"))
    assert code == 404
    code, headers, _ = await get(pypipins.url("/pypi/djversions/typed-django.svg?style=flat-square"))
    assert code == 301
    assert headers.getRawHeaders("location") == ["/pypi/frameworkversions/django/typed-django.svg?style=flat-square"]
    # followed, as a browser does
    response = await treq.get(pypipins.url("/pypi/djversions/typed-django.json"))
    said = json.loads(await response.content())
    assert (response.code, said["label"]) == (200, "django versions")


@pytest_twisted.ensureDeferred
async def test_no_extension_is_svg(pypipins, shields):
    for url, title in [(pypipins.url("/pypi/v/six"), "pypi: package or version not found"),
                       (pypipins.url("/pypi/v/klein"), "pypi: v24.8.0"),
                       (pypipins.url("/pypi/pyversions/klein"), "python: 3.7 | 3.8 | 3.9 | 3.10 | 3.11"),
                       (shields.url("/badge/a-b-blue"), "a: b")]:
        code, headers, body = await get(url)
        assert code == 200, url
        assert headers.getRawHeaders("content-type") == ["image/svg+xml;charset=utf-8"], url
        assert svg_texts(body)["title"] == title


@pytest_twisted.ensureDeferred
async def test_links_listed_in_shields_json(pypipins):
    code, _, body = await get(pypipins.url(
        "/pypi/v/klein.json?link=https%3A%2F%2Fgithub.com%2Ftwisted%2Fklein&link=javascript%3Aalert(1)"))
    assert document(code, body)["link"] == ["https://github.com/twisted/klein"]
    code, _, body = await get(pypipins.url(
        "/pypi/v/klein.json?link=vbscript%3Ax&link=http%3A%2F%2Fexample.org%2F"))
    assert document(code, body)["link"] == ["", "http://example.org/"]


@pytest_twisted.ensureDeferred
async def test_static_badges_on_the_pypipins_daemon(pypipins):
    code, _, body = await get(pypipins.url("/badge/license-MIT-blue.json"))
    said = document(code, body)
    assert (said["label"], said["message"], said["color"]) == ("license", "MIT", "blue")
    code, _, body = await get(pypipins.url("/badge/license-MIT-blue.svg?colorA=red"))
    assert svg_texts(body)["title"] == "license: MIT"
