"""
The drop-in for shields.io's PyPI routes: what each says (pure functions, the cases of
shields' own specs), and the routes end to end on the service with the stand-in and Redis.
"""

import json

import pytest
import pytest_twisted

from pypipins.badges import shields as sb
from pypipins.badges import Badge, Options
from pypipins.facts import Downloads, PackageFacts
from tests.helpers import svg_texts

pytestmark = pytest.mark.system


def facts(*classifiers, **fields):
    return PackageFacts(**{"version": "1.0", "classifiers": tuple(classifiers), **fields})


@pytest.mark.parametrize(
    "version, message, color",
    [("1.2.3", "v1.2.3", "blue"), ("0.9", "v0.9", "orange"), ("2.0b1", "v2.0b1", "orange"),
     ("1.0.dev3", "v1.0.dev3", "orange"), ("banana-split", "banana-split", "lightgrey"),
     ("2024-01-02", "2024-01-02", "lightgrey"), ("2024.1.2", "v2024.1.2", "blue")],
)
def test_version(version, message, color):
    assert sb.version_badge(PackageFacts(version=version), Options()) == Badge("pypi", message, color)


@pytest.mark.parametrize(
    "versions, message, color",
    [(["3", "3.4", "3.5", "3.6", "2", "2.7"], "2.7 | 3.4 | 3.5 | 3.6", "blue"),
     (["2", "3"], "2 | 3", "blue"),
     (["3.10", "3.9", "3.8", "3.7", "3.6"], "3.6 | 3.7 | 3.8 | 3.9 | 3.10", "blue"),
     (["3", "3.9"], "3.9", "blue"),
     ([], "missing", "red")],
)
def test_python_versions_as_shields_spec_says(versions, message, color):
    said = sb.py_versions_badge(facts(*(f"Programming Language :: Python :: {v}" for v in versions)), Options())
    assert said == Badge("python", message, color)


def test_python_versions_fall_back_to_only():
    said = sb.py_versions_badge(facts("Programming Language :: Python :: 3 :: Only"), Options())
    assert said == Badge("python", "3", "blue")


@pytest.mark.parametrize(
    "fields, message, color",
    [({"license_expression": "MIT"}, "MIT", "green"),
     ({"license": "GPLv3"}, "GPLv3", "orange"),
     ({"license_expression": "CC0-1.0"}, "CC0-1.0", "#7cd958"),
     ({"license": "Proprietary"}, "Proprietary", "lightgrey"),
     ({}, "missing", "red"),
     ({"classifiers": ("License :: OSI Approved :: MIT License",
                       "License :: OSI Approved :: GNU General Public License (GPL)")}, "MIT, GPL", "green")],
)
def test_license_colours(fields, message, color):
    assert sb.license_badge(PackageFacts(version="1", **fields), Options()) == Badge("license", message, color)


@pytest.mark.parametrize(
    "classifiers, message, color",
    [(["Development Status :: 5 - Production/Stable"], "stable", "brightgreen"),
     (["Development Status :: 4 - Beta", "Development Status :: 6 - Mature"], "mature", "brightgreen"),
     (["Development Status :: 2 - Pre-Alpha"], "pre-alpha", "red"),
     (["Development Status :: 4 - Beta"], "beta", "yellow"),
     (["Development Status :: 7 - Inactive"], "inactive", "red"),
     ([], "unknown", "lightgrey")],
)
def test_status(classifiers, message, color):
    assert sb.status_badge(facts(*classifiers), Options()) == Badge("status", message, color)


def test_implementation():
    impl = "Programming Language :: Python :: Implementation :: "
    assert sb.implementation_badge(facts(impl + "PyPy", impl + "CPython"), Options()) == Badge(
        "implementation", "cpython | pypy", "blue")
    assert sb.implementation_badge(facts(), Options()) == Badge("implementation", "cpython", "blue")


@pytest.mark.parametrize(
    "types, wheel, format",
    [(("bdist_wheel", "sdist"), ("yes", "brightgreen"), ("wheel", "brightgreen")),
     (("bdist_egg",), ("no", "red"), ("egg", "red")),
     (("sdist",), ("no", "red"), ("source", "yellow"))],
)
def test_files(types, wheel, format):
    f = PackageFacts(version="1", packagetypes=types)
    assert sb.SHIELDS.kind("wheel").say(f, Options()) == Badge("wheel", *wheel)
    assert sb.SHIELDS.kind("format").say(f, Options()) == Badge("format", *format)


def test_types_by_classifier_only():
    assert sb.types_badge(facts("Typing :: Typed"), Options()) == Badge("types", "typed", "brightgreen")
    assert sb.types_badge(facts("Typing :: Stubs Only"), Options()) == Badge("types", "stubs", "brightgreen")
    assert sb.types_badge(facts(name="types-requests"), Options()) == Badge("types", "untyped", "red")


def test_downloads():
    counts = Downloads(last_day=5, last_week=1234, last_month=0)
    assert sb.SHIELDS.kind("dd").say(counts, Options()) == Badge("downloads", "5/day", "yellow")
    assert sb.SHIELDS.kind("dw").say(counts, Options()) == Badge("downloads", "1.2k/week", "brightgreen")
    assert sb.SHIELDS.kind("dm").say(counts, Options()) == Badge("downloads", "0/month", "red")


# -- end to end -----------------------------------------------------------------------------


def shields(response):
    assert response.code == 200
    data = json.loads(response.body)
    assert data["name"] == data["label"] and data["value"] == data["message"]
    return data["label"], data["message"], data["color"]


@pytest.mark.parametrize(
    "path, said",
    [("v/klein", ("pypi", "v24.8.0", "blue")),
     ("v/prerelease-pkg", ("pypi", "v2.0b1", "orange")),
     ("v/weird-version", ("pypi", "banana-split", "lightgrey")),
     ("v/twisted/24.11.0", ("pypi", "v24.11.0", "blue")),
     ("l/klein", ("license", "MIT", "green")),
     ("l/bare", ("license", "missing", "red")),
     ("pyversions/twisted", ("python", "3.10 | 3.11 | 3.12 | 3.13 | 3.14", "blue")),
     ("pyversions/hyperlink", ("python", "2.6 | 2.7 | 3.4 | 3.5 | 3.6 | 3.7 | 3.8 | 3.9", "blue")),
     ("implementation/klein", ("implementation", "cpython | pypy", "blue")),
     ("implementation/twisted", ("implementation", "cpython", "blue")),  # no classifier: assumed
     ("status/treq", ("status", "stable", "brightgreen")),
     ("wheel/klein", ("wheel", "yes", "brightgreen")),
     ("wheel/eggy", ("wheel", "no", "red")),
     ("format/eggy", ("format", "egg", "red")),
     ("types/typed-django", ("types", "typed", "brightgreen")),
     ("dm/klein", ("downloads", "61k/month", "brightgreen")),
     ("dw/klein", ("downloads", "15k/week", "brightgreen")),
     ("dd/klein", ("downloads", "2.1k/day", "brightgreen")),
     ("v/no-such-package", ("pypi", "package or version not found", "red")),
     ("v/klein/99.0", ("pypi", "package or version not found", "red")),
     ("l/-invalid-", ("license", "package or version not found", "red")),
     ("dm/no-such-package", ("downloads", "package not found", "red"))],
)
@pytest_twisted.ensureDeferred
async def test_route(service, upstream, path, said):
    assert shields(await service.get(f"/pypi/{path}.json")) == said
    response = await service.get(f"/pypi/{path}.svg")
    assert response.headers.getRawHeaders("content-type") == ["image/svg+xml;charset=utf-8"]
    label, message, _ = said
    assert svg_texts(response.body)["title"] == f"{label}: {message}"


@pytest_twisted.ensureDeferred
async def test_route_shares_the_facts_of_pypipins_badges(service, upstream):
    await service.get("/v/klein/badge.svg")
    await service.get("/pypi/v/klein.svg")
    await service.get("/pypi/l/Klein.svg?style=flat-square&label=licence")
    await service.get("/pypi/dm/klein.svg")
    await service.get("/d/klein/badge.svg")
    assert upstream.requests == ["/pypi/klein/json", "/stats/packages/klein/recent"]


@pytest_twisted.ensureDeferred
async def test_route_takes_shields_parameters(service, upstream):
    data = json.loads((await service.get("/pypi/v/klein.json?label=release&color=orange&labelColor=abc")).body)
    assert data == {"name": "release", "label": "release", "value": "v24.8.0", "message": "v24.8.0",
                    "color": "orange", "labelColor": "#abc", "link": []}


@pytest_twisted.ensureDeferred
async def test_route_status_without_classifier_draws(service, upstream):
    response = await service.get("/pypi/status/bare.svg")
    assert response.code == 200 and svg_texts(response.body)["title"] == "status: unknown"


@pytest.mark.parametrize(
    # no extension is no error: "/pypi/v/klein" is an SVG (tests/web/test_routes.py)
    "path", ["/pypi/nope/klein.svg", "/pypi/v/a/b/c.svg", "/pypi/v/.svg"]
)
@pytest_twisted.ensureDeferred
async def test_route_not_a_badge(service, upstream, path):
    response = await service.get(path)
    assert response.code in (200, 404)
    if response.code == 200:  # "/pypi/v/.svg": an empty name, which cannot be on PyPI
        assert shields(await service.get(path[:-4] + ".json"))[1] == "package or version not found"
    assert upstream.requests == []


@pytest_twisted.ensureDeferred
async def test_route_upstream_failing(service, upstream):
    upstream.resource.fail("klein", "500")
    assert shields(await service.get("/pypi/v/klein.json")) == ("pypi", "inaccessible", "lightgrey")


@pytest.mark.parametrize(
    "path, said",
    [("dd/klein.json?index=", ("downloads", "unknown index", "red")),
     ("v/klein.json?index=corp", ("pypi", "unknown index", "red")),
     ("l/klein.json?version=banana", ("license", "package or version not found", "red"))],
)
@pytest_twisted.ensureDeferred
async def test_route_errors_of_pypipins_parameters(service, upstream, path, said):
    assert shields(await service.get(f"/pypi/{path}")) == said
    assert upstream.requests == []
