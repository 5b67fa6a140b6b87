"""
The drop-in for shields.io's PyPI routes end to end, on the service with the stand-in and
Redis; what each says, as pure functions, is in tests/badges/test_shields.py.
"""

import json

import pytest
import pytest_twisted

from tests.helpers import svg_texts

pytestmark = pytest.mark.system


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
