"""
Issue 16 on the routes, in memory (StubTreq over the real resources, the stand-in upstream,
a Clock): the rows of its table that need no drawing of logos or links, on pypip.in's
routes, shields' C{/pypi/} routes and the static badges of both daemons; and the shields
paths read (frameworkversions, no extension).
"""

import json
import re
from typing import Any, Dict

import pytest
import treq
from treq.testing import StubTreq
from twisted.internet.task import Clock

from pypipins.store.cache import MemoryCache
from pypipins.drawing.images import LocalImages
from pypipins.store.lookup import Lookup
from pypipins.upstream.fetcher import Fetcher
from pypipins.upstream.pypi import PyPI
from pypipins.upstream.pypistats import PyPIStats
from pypipins.web.routes import shields_target
from pypipins.web.static_badges import ShieldsSite
from tests.drawers import InProcessDrawer
from tests.helpers import fired, in_memory_site, svg_texts
from tests.standin import Upstream

pytestmark = pytest.mark.memory

CROSS_ORIGIN = {"access-control-allow-origin": ["*"], "cross-origin-resource-policy": ["cross-origin"]}


class Site:
    def __init__(self) -> None:
        clock = Clock()
        clock.advance(1_000_000)
        self.upstream = Upstream(clock=clock.seconds)
        fetcher = Fetcher(StubTreq(self.upstream), clock)
        lookup = Lookup(MemoryCache(clock), PyPI(fetcher, "http://u/pypi"), PyPIStats(fetcher, "http://u/stats"),
                        clock, 600)
        images = LocalImages(MemoryCache(clock), InProcessDrawer())
        self.pypipins = StubTreq(in_memory_site(lookup, images, clock).resource())
        self.shields = StubTreq(ShieldsSite(images).resource())

    def get(self, path: str, shields: bool = False) -> Any:
        client = self.shields if shields else self.pypipins
        response = fired(client.get("http://badges.test" + path, allow_redirects=False))
        response.body = fired(treq.content(response))
        return response


@pytest.fixture
def site() -> Site:
    return Site()


def max_age(response: Any) -> int:
    control = response.headers.getRawHeaders("cache-control")[0]
    ages = re.findall(r"(?:^|, )(max-age|s-maxage)=(\d+)", control)
    assert [name for name, _ in ages] == ["max-age", "s-maxage"], control
    assert ages[0][1] == ages[1][1]
    return int(ages[0][1])


def data(response: Any) -> Dict[str, Any]:
    assert response.code == 200, response.body
    return json.loads(response.body)


BADGES = [
    ("/v/klein/badge.svg", False), ("/v/klein/badge.png", False), ("/v/klein/badge.json", False),
    ("/pypi/v/klein.svg", False), ("/pypi/v/klein.png", False), ("/pypi/v/klein.json", False),
    ("/pypi/v/klein", False), ("/pypi/v/nonesuch.svg", False), ("/v/in..valid/badge.svg", False),
    ("/badge/a-b-blue.svg", False), ("/badge/a-b-blue.gif", False), ("/badge/a-b-blue.json", False),
    ("/badge/a-b-blue.svg", True), ("/badge/a-b-blue.png", True), ("/badge/a-b-blue.json", True),
    ("/badge/a-b-blue", True),
]


@pytest.mark.parametrize("path, shields", BADGES)
def test_cross_origin_headers_on_every_badge(site, path, shields):
    response = site.get(path, shields)
    assert response.code == 200
    for name, value in CROSS_ORIGIN.items():
        assert response.headers.getRawHeaders(name) == value, (path, name)


@pytest.mark.parametrize("path, shields", BADGES)
def test_cross_origin_headers_on_badges_kept_ready(site, path, shields):
    site.get(path, shields)
    response = site.get(path, shields)
    for name, value in CROSS_ORIGIN.items():
        assert response.headers.getRawHeaders(name) == value, (path, name)


@pytest.mark.parametrize(
    "path, shields, own",
    [("/v/klein/badge.svg", False, 300), ("/license/klein/badge.json", False, 3600),
     ("/pypi/v/klein.svg", False, 300), ("/pypi/l/klein.json", False, 3600),
     ("/badge/a-b-blue.svg", False, 86400), ("/badge/a-b-blue.json", True, 86400)],
)
def test_cache_seconds_raise_max_age_never_lower(site, path, shields, own):
    assert max_age(site.get(path, shields)) == own
    assert max_age(site.get(path + "?cacheSeconds=10", shields)) == own
    assert max_age(site.get(path + "?cacheSeconds=172800", shields)) == 172800
    assert max_age(site.get(path + "?maxAge=259200", shields)) == 259200
    # both names at once is neither, as in shields
    assert max_age(site.get(path + "?maxAge=259200&cacheSeconds=172800", shields)) == own
    assert max_age(site.get(path + "?cacheSeconds=-1", shields)) == own


@pytest.mark.parametrize(
    "path, own",
    [("/v/nonesuch/badge.svg", 60), ("/pypi/v/nonesuch.svg", 60), ("/license/nonesuch/badge.json", 60),
     ("/pypi/l/nonesuch.json", 60), ("/v/klein/badge.svg?version=99.0", 60),
     ("/v/-leading/badge.svg", 3600), ("/pypi/v/-leading.svg", 3600), ("/pypi/v/trailing-.json", 3600),
     ("/v/klein/badge.svg?version=x", 3600), ("/pypi/v/klein.svg?index=nope", 60),
     ("/v/klein/badge.png?index=nope", 60)],
)
def test_error_badges_keep_their_own_max_age(site, path, own):
    """
    C{cacheSeconds} raises a badge's max-age, not an error's: C{package not found}, an
    invalid name or version, an unknown index, keep their own however long is asked.
    """
    mark = "&" if "?" in path else "?"
    assert max_age(site.get(path)) == own
    for asked in ("cacheSeconds=86400", "maxAge=604800", "cacheSeconds=0"):
        response = site.get(path + mark + asked)
        assert response.code == 200 and max_age(response) == own, (path, asked)


@pytest.mark.parametrize("path", ["/license/klein/badge.svg", "/pypi/l/klein.json", "/d/klein/badge.json",
                                  "/pypi/dm/klein.svg"])
def test_unavailable_keeps_its_short_max_age(site, path):
    site.upstream.fail("klein", "500")
    response = site.get(path + "?cacheSeconds=86400")
    # in shields' words, "inaccessible"
    assert b"unavailable" in response.body or b"inaccessible" in response.body
    assert max_age(response) == 60


def test_cache_seconds_are_part_of_what_is_kept_ready(site):
    assert max_age(site.get("/v/klein/badge.svg?cacheSeconds=7200")) == 7200
    assert max_age(site.get("/v/klein/badge.svg")) == 300
    assert max_age(site.get("/v/klein/badge.svg?cacheSeconds=7200")) == 7200


def test_legacy_colours_on_every_route(site):
    for path in ("/v/klein/badge.json", "/pypi/v/klein.json"):
        document = data(site.get(path + "?colorA=abcdef&colorB=red"))
        assert (document["labelColor"], document["color"]) == ("#abcdef", "red")
    document = data(site.get("/badge/a-b-blue.json?colorA=abcdef&colorB=red"))
    assert (document["labelColor"], document["color"]) == ("#abcdef", "red")
    # the new names win
    document = data(site.get("/pypi/v/klein.json?colorB=red&color=orange"))
    assert document["color"] == "orange"


def test_status_without_classifier_is_unknown(site):
    document = data(site.get("/pypi/status/klein.json"))
    assert (document["message"], document["color"]) == ("unknown", "lightgrey")
    assert svg_texts(site.get("/pypi/status/bare.svg").body)["title"] == "status: unknown"


@pytest.mark.parametrize(
    "path, label, message, color",
    [("/pypi/frameworkversions/django/typed-django.json", "django versions", "3.2 | 4.2 | 5.0 | 5.1", "blue"),
     ("/pypi/frameworkversions/django-cms/typed-django.json", "django cms versions", "3.11", "blue"),
     ("/pypi/frameworkversions/jupyterlab/typed-django.json", "jupyterlab versions", "4", "blue"),
     ("/pypi/frameworkversions/aws-cdk/typed-django.json", "aws cdk versions", "2", "blue"),
     ("/pypi/frameworkversions/plone/typed-django.json", "versions",
      "Plone versions are missing for typed-django", "lightgrey"),
     # as the URL spells the package, and with the release asked (issue 25)
     ("/pypi/frameworkversions/plone/Typed_Django.json", "versions",
      "Plone versions are missing for Typed_Django", "lightgrey"),
     ("/pypi/frameworkversions/zope/typed-django/5.1.0.json", "versions",
      "Zope versions are missing for typed-django/5.1.0", "lightgrey"),
     ("/pypi/frameworkversions/zope/typed.django.json?version=5.1.0", "versions",
      "Zope versions are missing for typed.django/5.1.0", "lightgrey"),
     ("/pypi/frameworkversions/django/nonesuch.json", "versions", "package or version not found", "red")],
)
def test_framework_versions(site, path, label, message, color):
    document = data(site.get(path))
    assert (document["label"], document["message"], document["color"]) == (label, message, color)


def test_framework_versions_kept_ready_for_each_spelling(site):
    said = [data(site.get(f"/pypi/frameworkversions/odoo/{name}.json"))["message"]
            for name in ("typed-django", "Typed-Django", "typed-django", "typed.django/5.1.0")]
    assert said == [f"Odoo versions are missing for {name}"
                    for name in ("typed-django", "Typed-Django", "typed-django", "typed.django/5.1.0")]
    # the facts are the package's, whatever its spelling: asked of PyPI once for each release
    assert site.upstream.requests == ["/pypi/typed-django/json", "/pypi/typed-django/5.1.0/json"]


def test_framework_versions_of_a_release_and_without_extension(site):
    assert svg_texts(site.get("/pypi/frameworkversions/django/typed-django").body)["title"] == (
        "django versions: 3.2 | 4.2 | 5.0 | 5.1")
    response = site.get("/pypi/frameworkversions/django/typed-django/1.0.json")
    assert response.code == 200


@pytest.mark.parametrize("path", ["/pypi/frameworkversions/rails/klein.svg", "/pypi/frameworkversions/django",
                                  "/pypi/frameworkversions/klein.svg"])
def test_unknown_frameworks_are_404(site, path):
    assert site.get(path).code == 404
    assert site.upstream.requests == []


@pytest.mark.parametrize(
    "path, location",
    [("/pypi/djversions/typed-django.svg", "/pypi/frameworkversions/django/typed-django.svg"),
     ("/pypi/djversions/typed-django", "/pypi/frameworkversions/django/typed-django"),
     ("/pypi/djversions/typed-django.json?style=flat-square&label=dj",
      "/pypi/frameworkversions/django/typed-django.json?style=flat-square&label=dj"),
     ("/pypi/djversions/typed-django/1.0.png", "/pypi/frameworkversions/django/typed-django/1.0.png"),
     # the client's bytes sent back escaped, as ASCII
     ("/pypi/djversions/caf%C3%A9%22%3C%20x.svg?a=%0d%0a%22",
      "/pypi/frameworkversions/django/caf%C3%A9%22%3C%20x.svg?a=%0d%0a%22")],
)
def test_djversions_moved(site, path, location):
    response = site.get(path)
    assert response.code == 301
    assert response.headers.getRawHeaders("location") == [location]
    assert max_age(response) == 86400
    assert site.upstream.requests == []
    assert site.get(location).code == 200


def test_no_extension_is_svg(site):
    response = site.get("/pypi/v/klein")
    assert response.code == 200
    assert response.headers.getRawHeaders("content-type") == ["image/svg+xml;charset=utf-8"]
    assert svg_texts(response.body)["title"] == "pypi: v24.8.0"
    response = site.get("/pypi/v/klein/24.8.0")
    assert response.code == 200 and svg_texts(response.body)["title"] == "pypi: v24.8.0"


def test_links_in_shields_json(site):
    document = data(site.get("/pypi/v/klein.json?link=https://a.example/&link=javascript:alert(1)&link=https://c.example"))
    assert document["link"] == ["https://a.example/"]
    document = data(site.get("/pypi/v/klein.json?link=ftp://a.example&link=https://b.example"))
    assert document["link"] == ["", "https://b.example"]
    # none: an empty list, as shields lists them
    assert data(site.get("/pypi/v/klein.json?link=javascript:alert(1)"))["link"] == []
    assert data(site.get("/pypi/v/klein.json"))["link"] == []


def test_links_are_kept_apart(site):
    first = data(site.get("/pypi/v/klein.json?link=https://a.example/"))
    second = data(site.get("/pypi/v/klein.json?link=https://b.example/"))
    assert (first["link"], second["link"]) == (["https://a.example/"], ["https://b.example/"])


def test_the_pypipins_daemon_serves_static_badges(site):
    document = data(site.get("/badge/license-MIT-blue.json"))
    assert (document["label"], document["message"], document["color"]) == ("license", "MIT", "blue")
    response = site.get("/badge/license-MIT-blue")
    assert response.code == 200 and svg_texts(response.body)["title"] == "license: MIT"
    assert site.get("/badge/nonsense.svg").code == 404


def test_the_site_builds_badges_with_a_logo(site):
    response = site.get("/?package=klein&logo=pypi")
    assert response.code == 200
    assert b'<img src="/v/klein/badge.svg?logo=pypi"' in response.body
    assert site.get("/?package=klein&logo=%22%3E").code == 400


@pytest.mark.parametrize(
    "kind, target, parsed",
    [("v", "six.svg", ("v", "six", None, "svg")),
     ("v", "six", ("v", "six", None, "svg")),
     ("v", "zope.interface", ("v", "zope.interface", None, "svg")),
     ("v", "zope.interface.json", ("v", "zope.interface", None, "json")),
     ("v", "klein/24.8.0", ("v", "klein", "24.8.0", "svg")),
     ("v", "klein/24.8.0.png", ("v", "klein", "24.8.0", "png")),
     ("frameworkversions", "django/typed-django.json", ("frameworkversions/django", "typed-django", None, "json")),
     ("frameworkversions", "plone/plone.volto", ("frameworkversions/plone", "plone.volto", None, "svg")),
     ("frameworkversions", "django/klein/1.0", ("frameworkversions/django", "klein", "1.0", "svg"))],
)
def test_shields_targets(kind, target, parsed):
    assert shields_target(kind, target) == parsed
