"""
Issue 16's rows that are drawn: logos (named, data URIs, logoColor, logoSize=auto) and links
on every badge route, the colours badge-maker takes (CSS names, rgb(), hsl(), 3-digit hex
kept), and hostile logos and links. They need render/'s logos and links
(pypipins.render.logos, render()'s logo, logo_width and links) and colors.parse's CSS
colours, from branch render16 (in web16 since main, with render16 merged, was fast-forwarded in).
"""

import base64
import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote

import pytest
import pytest_twisted
import treq
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.web.test_routes import Site
from tests.scenarios.test_hostile import check, nasty
from tests.helpers import svg_texts

pytestmark = pytest.mark.system

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"

#: A logo of one's own, as READMEs give them.
DATA_LOGO = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>').decode()

BADGE_ROUTES = [("/v/klein/badge.svg", False), ("/license/klein/badge.svg", False), ("/pypi/v/klein.svg", False),
                ("/pypi/l/klein", False), ("/pypi/frameworkversions/django/typed-django.svg", False),
                ("/badge/a-b-blue.svg", False), ("/badge/a-b-blue.svg", True), ("/badge/a-b-blue", True)]


@pytest.fixture
def site() -> Site:
    return Site()


def images(body: bytes) -> list:
    return ET.fromstring(body).findall(f".//{SVG}image")


def anchors(body: bytes) -> list:
    return ET.fromstring(body).findall(f".//{SVG}a")


def href(element: Any) -> str:
    return element.get("href") or element.get(XLINK + "href")


@pytest.mark.parametrize("path, shields", BADGE_ROUTES)
@pytest.mark.parametrize("style", ["flat", "flat-square", "plastic", "for-the-badge", "social"])
def test_named_logo_on_every_route(site, path, shields, style):
    response = site.get(f"{path}?logo=python&style={style}", shields)
    assert response.code == 200
    [image] = images(response.body)
    assert href(image).startswith("data:image/svg+xml;base64,")
    # without the logo: no image, and not the same response kept
    assert images(site.get(f"{path}?style={style}", shields).body) == []


@pytest.mark.parametrize("path, shields", BADGE_ROUTES)
def test_data_uri_logo_on_every_route(site, path, shields):
    response = site.get(f"{path}?logo={quote(DATA_LOGO, safe='')}", shields)
    [image] = images(response.body)
    assert href(image) == DATA_LOGO


def test_logo_title_colour_and_size(site):
    plain = site.get("/pypi/v/klein.svg?logo=python").body
    assert site.get("/pypi/v/klein.svg?logo=Python").body == plain
    coloured = site.get("/pypi/v/klein.svg?logo=python&logoColor=white").body
    assert coloured != plain and images(coloured)
    auto = site.get("/pypi/v/klein.svg?logo=pypi&logoSize=auto").body
    assert images(auto) and auto != site.get("/pypi/v/klein.svg?logo=pypi").body


@pytest.mark.parametrize("logo", ["no-such-icon-anywhere", "x" * 9000, "data:" + "A" * 9000, "%00", "constructor"])
def test_logos_not_drawn(site, logo):
    response = site.get(f"/pypi/v/klein.svg?logo={quote(logo, safe='')}")
    assert response.code == 200 and images(response.body) == []


@pytest.mark.parametrize("path, shields", BADGE_ROUTES)
def test_one_link_is_the_whole_badge(site, path, shields):
    body = site.get(f"{path}?link={quote('https://github.com/twisted/klein', safe='')}", shields).body
    assert [href(a) for a in anchors(body)] == ["https://github.com/twisted/klein"]


@pytest.mark.parametrize("path, shields", BADGE_ROUTES)
def test_two_links_one_each_side(site, path, shields):
    body = site.get(f"{path}?link=https%3A%2F%2Fa.example%2F&link=http%3A%2F%2Fb.example%2F"
                    "&link=https%3A%2F%2Fc.example%2F", shields).body
    assert [href(a) for a in anchors(body)] == ["https://a.example/", "http://b.example/"]


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<script>x</script>", "//evil.example",
                                  "https://a.example/\"><script>alert(1)</script>", "file:///etc/passwd"])
def test_links_that_are_not_http_are_dropped(site, link):
    body = site.get(f"/pypi/v/klein.svg?link={quote(link, safe='')}").body
    assert anchors(body) == [] and b"script" not in body and b"javascript" not in body


@pytest.mark.parametrize(
    "color, said",
    [("abc", "#abc"), ("ABC", "#abc"), ("rebeccapurple", "rebeccapurple"), ("rgb(1,2,3)", "rgb(1,2,3)"),
     ("hsl(120,50%,50%)", "hsl(120,50%,50%)"), ("aabbcc", "#aabbcc")],
)
def test_css_colours_and_three_digit_hex(site, color, said):
    document = json.loads(site.get(f"/pypi/v/klein.json?color={quote(color, safe='')}").body)
    assert document["color"] == said
    document = json.loads(site.get(f"/badge/a-b-{quote(color, safe='')}.json", shields=True).body)
    assert document["color"] == said
    assert site.get(f"/pypi/v/klein.svg?color={quote(color, safe='')}&labelColor={quote(color, safe='')}").code == 200


def test_rasters_with_logo_and_links(site):
    for path, shields in [("/pypi/v/klein.png", False), ("/v/klein/badge.gif", False), ("/badge/a-b-blue.png", True)]:
        response = site.get(f"{path}?logo=python&link=https%3A%2F%2Fa.example", shields)
        assert response.code == 200, (path, response.body)
        assert response.headers.getRawHeaders("content-type")[0].startswith("image/")


logo_values = st.one_of(st.text(max_size=300), nasty, st.sampled_from(["python", "PyPI", "github", DATA_LOGO,
                                                                          "data:", "data:image/svg+xml;base64,%%%",
                                                                          DATA_LOGO + "x" * 9000]))
link_values = st.one_of(st.text(max_size=300), nasty, st.sampled_from(["https://a.example", "http://[::1", "https://"]))
drawn_params = st.lists(st.one_of(
    st.tuples(st.sampled_from(["logo"]), logo_values),
    st.tuples(st.sampled_from(["link"]), link_values),
    st.tuples(st.sampled_from(["logoColor", "logoSize", "style", "color", "labelColor"]), st.text(max_size=50)),
), max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(path="/pypi/v/klein.svg", params=[("logo", "data:image/svg+xml;base64," + "A" * 8100)])
@example(path="/v/klein/badge.png", params=[("logo", "python"), ("logoSize", "auto"), ("logoColor", "\x00")])
@example(path="/pypi/v/klein.json", params=[("link", "https://a\r\nb"), ("link", "\ud7ff")])
@given(path=st.sampled_from(["/v/klein/badge.svg", "/v/klein/badge.png", "/pypi/v/klein.svg", "/pypi/v/klein.json",
                             "/pypi/l/klein", "/badge/a-b-blue.svg", "/d/klein/badge.svg"]),
       params=drawn_params)
def test_hostile_logos_and_links(path, params):
    check(path, params)


@pytest_twisted.ensureDeferred
async def test_logo_and_links_through_the_daemons(start_daemon, upstream, redis):
    pypipins = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url)
    shields = start_daemon(plugin="shields")
    for url in (pypipins.url("/v/klein/badge.svg"), pypipins.url("/pypi/v/klein"),
                pypipins.url("/badge/a-b-blue.svg"), shields.url("/badge/a-b-blue.svg")):
        response = await treq.get(url + "?logo=python&link=https%3A%2F%2Fa.example%2F&link=https%3A%2F%2Fb.example%2F")
        body = await response.content()
        assert response.code == 200, url
        assert len(images(body)) == 1 and len(anchors(body)) == 2, url
        assert b"<image" in body and b"<a " in body
    # pypipins drawing through the shields server: the same picture
    through = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url,
                           "--shields-url", shields.url(""))
    query = "?logo=python&logoColor=white&link=https%3A%2F%2Fa.example%2F"
    here = await (await treq.get(pypipins.url("/license/klein/badge.svg" + query))).content()
    there = await (await treq.get(through.url("/license/klein/badge.svg" + query))).content()
    assert here == there and images(there)
    title = svg_texts(there)["title"]
    assert re.fullmatch("license: MIT", title)
