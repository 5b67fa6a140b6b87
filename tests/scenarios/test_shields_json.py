"""
What both daemons answer for shields' C{.json} URLs, byte for byte what shields.io's server
sends (badge-maker's JSON, tests/fixtures/render/json.json): the static badges', on
C{twistd shields} and C{twistd pypipins}, and the C{/pypi/} routes' of the stand-in; pypip.in's
C{badge.json} keeps the endpoint schema (issue 25).
"""

import json
from typing import Any, Dict, List, Sequence, Tuple
from urllib.parse import quote

import pytest
import pytest_twisted
import treq

from tests.helpers import ROOT

pytestmark = pytest.mark.system

FIXTURES = json.loads((ROOT / "tests" / "fixtures" / "render" / "json.json").read_text(encoding="utf-8"))
STATIC: List[Dict[str, Any]] = FIXTURES["static"]
PYPI: List[Dict[str, Any]] = FIXTURES["pypi"]


def url_of(path: str, query: Sequence[Tuple[str, str]]) -> str:
    if not query:
        return path
    return path + "?" + "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in query)


async def get(url: str) -> Tuple[int, Any, bytes]:
    response = await treq.get(url, allow_redirects=False)
    return response.code, response.headers, await response.content()


@pytest.fixture
def daemons(start_daemon: Any, upstream: Any, redis: Any) -> Tuple[Any, Any]:
    pypipins = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url)
    return pypipins, start_daemon(plugin="shields")


@pytest_twisted.ensureDeferred
async def test_static_json_as_shields_sends_it(daemons):
    assert len(STATIC) > 30
    for daemon in daemons:
        for case in STATIC:
            url = daemon.url(url_of(f"/badge/{case['path']}.json", case["query"]))
            code, headers, body = await get(url)
            assert code == 200, (url, body)
            assert headers.getRawHeaders("content-type") == ["application/json"]
            assert body.decode("utf-8") == case["json"], url


@pytest_twisted.ensureDeferred
async def test_pypi_routes_json_as_shields_sends_it(daemons):
    pypipins, _ = daemons
    for case in PYPI:
        for _ in range(2):  # the second time, kept ready
            url = pypipins.url(url_of(f"{case['path']}.json", case["query"]))
            code, _, body = await get(url)
            assert code == 200, (url, body)
            assert body.decode("utf-8") == case["json"], url


@pytest_twisted.ensureDeferred
async def test_a_colour_that_is_not_one(daemons):
    for daemon in daemons:
        # the JSON says none, as badge-maker does; the picture has its default
        code, _, body = await get(daemon.url("/badge/a-b-notacolor.json"))
        assert code == 200 and "color" not in json.loads(body)
        code, _, drawn = await get(daemon.url("/badge/a-b-notacolor.svg"))
        assert code == 200 and drawn == (await get(daemon.url("/badge/a-b-brightgreen.svg")))[2]


@pytest_twisted.ensureDeferred
async def test_pypip_in_badge_json_keeps_the_endpoint_schema(daemons):
    pypipins, _ = daemons
    code, _, body = await get(pypipins.url("/v/klein/badge.json?link=https://example.com/"))
    assert code == 200
    assert json.loads(body) == {"schemaVersion": 1, "label": "pypi", "message": "24.8.0", "color": "brightgreen"}
