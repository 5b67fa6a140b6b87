"""
Item 5: badges that are not well-formed XML. The issue's URLs (and their like on every route),
each asked of C{twistd pypipins} and, for the static ones, of C{twistd shields} too: how many
answer 200 with an SVG that an XML parser refuses.
"""

import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Tuple
from xml.dom import minidom
from xml.parsers.expat import ExpatError

from bench.trust.stack import Stack
from tests.helpers import free_port

ITEM = "5"
WHAT = "SVG badges that are not well-formed XML, of the issue's URLs, on both daemons"

#: Static badges, which both daemons draw. A C{;} in a query is written C{%3B}: Twisted
#: splits a query on it, so C{logo=data:image/png;,%01} reaches no logo at all.
STATIC_URLS = [
    "/badge/a-b-blue.svg?color=%0Bred",
    "/badge/a-b-blue.svg?color=%0Cred",
    "/badge/a-b-blue.svg?labelColor=%0B%23abc",
    "/badge/a-b-%0Bred.svg",
    "/badge/a-b-%0Cred",
    "/badge/a-b-blue.svg?link=https://a.org/%EF%BF%BF",
    "/badge/a-b-blue.svg?link=https://a.org/%EF%BF%BE",
    "/badge/a-b-blue.svg?logo=data:image/png;,%01",
    "/badge/a-b-blue.svg?logo=data:image/png%3B,%01",
    "/badge/%01-%EF%BF%BE-blue.svg",
]

#: pypip.in's routes and shields' /pypi/ routes, of the pypipins daemon only.
URLS = STATIC_URLS + [
    "/v/klein/badge.svg?color=%0Bred",
    "/v/klein/badge.svg?label=%01x",
    "/license/klein/badge.svg?logo=data:image/png%3B,%01",
    "/pypi/v/klein.svg?labelColor=%0B%23abc",
    "/pypi/v/klein.svg?color=%0Cred&style=for-the-badge",
    "/pypi/v/klein.svg?link=https://a.org/%EF%BF%BF",
    "/pypi/v/nonesuch.svg?labelColor=%0Cred",
]


def _count(base: str, urls: List[str]) -> Dict[str, int]:
    """
    Of C{urls} asked at C{base}, how many are SVG 200s, and how many of those are not XML.
    """
    answered = malformed = 0
    for url in urls:
        status, content_type, body = _get(base + url)
        if status != 200 or not content_type.startswith("image/svg"):
            continue
        answered += 1
        try:
            minidom.parseString(body)
        except ExpatError:
            malformed += 1
    return {"svg_200": answered, "not_xml": malformed}


def _get(url: str) -> Tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        shields_port = free_port()
        stack.start("shields", [str(venv / "bin/twistd"), "-n", "--pidfile=", "shields",
                                "--port", f"tcp:{shields_port}:interface=127.0.0.1"],
                    shields_port, cwd=work, env=stack.daemon_env)
        pypipins = _count(stack.url(""), URLS)
        shields = _count(f"http://127.0.0.1:{shields_port}", STATIC_URLS)
        return {"urls": len(URLS) + len(STATIC_URLS),
                "svg_200": pypipins["svg_200"] + shields["svg_200"],
                "not_xml": pypipins["not_xml"] + shields["not_xml"],
                "not_xml_pypipins": pypipins["not_xml"], "not_xml_shields": shields["not_xml"]}
    finally:
        stack.stop()
