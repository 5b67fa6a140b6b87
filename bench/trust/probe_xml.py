"""
Item 5: badges that are not well-formed XML. The issue's URLs, each asked of the daemon: how
many answer 200 with an SVG that an XML parser refuses.
"""

from pathlib import Path
from typing import Dict
from xml.dom import minidom
from xml.parsers.expat import ExpatError

from bench.trust.stack import Stack

ITEM = "5"
WHAT = "SVG badges that are not well-formed XML, of the issue's URLs"

URLS = [
    "/badge/a-b-blue.svg?color=%0Bred",
    "/badge/a-b-blue.svg?color=%0Cred",
    "/badge/a-b-blue.svg?labelColor=%0B%23abc",
    "/badge/a-b-%0Bred.svg",
    "/badge/a-b-blue.svg?link=https://a.org/%EF%BF%BF",
    "/badge/a-b-blue.svg?link=https://a.org/%EF%BF%BE",
    "/badge/a-b-blue.svg?logo=data:image/png;,%01",
    "/v/klein/badge.svg?color=%0Bred",
    "/v/klein/badge.svg?label=%01x",
    "/pypi/v/klein.svg?labelColor=%0B%23abc",
    "/pypi/v/klein.svg?link=https://a.org/%EF%BF%BF",
]


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        malformed = 0
        answered = 0
        for url in URLS:
            status, headers, body = stack.get(url)
            if status != 200 or not headers.get("Content-Type", "").startswith("image/svg"):
                continue
            answered += 1
            try:
                minidom.parseString(body)
            except ExpatError:
                malformed += 1
        return {"urls": len(URLS), "svg_200": answered, "not_xml": malformed}
    finally:
        stack.stop()
