"""
A C{;} in a query is part of a value on every route of both daemons, as at shields.io
(issue 25): a data URI written as people write it, unescaped, is drawn; a link with a C{;}
is whole; and the responses kept ready are told apart by the query as it is read.
"""

import base64
import json
import xml.etree.ElementTree as ET
from typing import Any, List, Optional, Tuple

import pytest
import pytest_twisted
import treq

pytestmark = pytest.mark.system

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"

#: A logo of one's own, pasted into URLs unescaped as READMEs do: its "+" is read as a space,
#: which shields makes "+" again, and its ";" must not end it.
DATA_LOGO = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><path d="M0 0h9v9z" fill="#f8f"/>'
    b"<title>???&gt;</title></svg>"
).decode()
LINK = "https://example.org/a;b=c"
OTHER_LINK = "https://example.org/d"


async def get(url: str) -> Tuple[int, bytes]:
    response = await treq.get(url, allow_redirects=False)
    return response.code, await response.content()


def hrefs(body: bytes, tag: str) -> List[Optional[str]]:
    return [e.get("href") or e.get(XLINK + "href") for e in ET.fromstring(body).findall(f".//{SVG}{tag}")]


@pytest.fixture
def daemons(start_daemon: Any, upstream: Any, redis: Any) -> Tuple[Any, Any]:
    pypipins = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url)
    return pypipins, start_daemon(plugin="shields")


@pytest_twisted.ensureDeferred
async def test_semicolons_in_values_on_every_route_of_both_daemons(daemons):
    pypipins, shields = daemons
    assert "/" in DATA_LOGO.partition(",")[2]
    routes = [pypipins.url("/v/klein/badge.svg"), pypipins.url("/pypi/v/klein.svg"),
              pypipins.url("/pypi/frameworkversions/django/typed-django.svg"), pypipins.url("/badge/a-b-blue.svg"),
              shields.url("/badge/a-b-blue.svg"), shields.url("/badge/a-b-blue")]
    for route in routes:
        for _ in range(2):  # the second time, kept ready
            code, body = await get(f"{route}?logo={DATA_LOGO}&link={LINK}&link={OTHER_LINK}")
            assert code == 200, (route, body)
            assert hrefs(body, "image") == [DATA_LOGO], route
            assert hrefs(body, "a") == [LINK, OTHER_LINK], route
    code, body = await get(pypipins.url(f"/pypi/v/klein.json?link={LINK}"))
    assert code == 200 and json.loads(body)["link"] == [LINK]


@pytest_twisted.ensureDeferred
async def test_responses_kept_ready_by_the_query_as_read(daemons):
    pypipins, shields = daemons
    for url in (pypipins.url("/v/klein/badge.svg"), pypipins.url("/pypi/l/klein.svg"),
                pypipins.url("/badge/a-b-blue.svg"), shields.url("/badge/a-b-blue.svg")):
        code, body = await get(url + "?logo=python&style=social")
        assert code == 200 and len(hrefs(body, "image")) == 1, url
        # one parameter, a logo no icon is named: no logo, and the style is flat's
        code, semicolons = await get(url + "?logo=python;style=social")
        assert code == 200 and hrefs(semicolons, "image") == [], url
        assert semicolons == (await get(url + "?logo=python%3Bstyle%3Dsocial"))[1], url


@pytest_twisted.ensureDeferred
async def test_the_home_page_reads_the_query_alike(daemons):
    pypipins, _ = daemons
    code, body = await get(pypipins.url("/?package=klein;x"))
    assert code == 400 and b"klein;x" in body
    code, body = await get(pypipins.url("/?package=klein&logo=python"))
    assert code == 200
