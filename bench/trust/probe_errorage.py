"""
Weakness "cacheSeconds stretches error badges": error badges of every reason the daemon can be
made to say on loopback (unavailable, queued, package not found, version not found, invalid
name, invalid version, unknown index), on pypip.in's routes and shields' C{/pypi/} routes, as
SVG and JSON, each asked with C{?cacheSeconds=86400}: how many are sent with a max-age of a
day (C{twistd shields} draws static badges only, which have no error to stretch).
"""

import re
from pathlib import Path
from typing import Dict, List

from bench.trust.stack import Stack

ITEM = "weakness: cacheSeconds stretches error badges"
WHAT = "error badges asked with cacheSeconds=86400 that are sent with max-age=86400"
ROUNDS = 1

ASKED = 86400

#: Paths of error badges: bench-1 made to fail (500), numbered-1's counts refused (429, so
#: queued), names and releases that are not there or not valid, an index not configured.
PATHS: List[str] = [
    "/v/bench-1/badge.svg", "/pypi/v/bench-1.svg", "/license/bench-1/badge.json", "/pypi/l/bench-1.json",
    "/d/numbered-1/badge.svg", "/pypi/dm/numbered-1.svg",
    "/v/nonesuch/badge.svg", "/pypi/v/nonesuch.svg", "/v/klein/badge.svg?version=99.0",
    "/v/-leading/badge.svg", "/pypi/v/-leading.json", "/v/klein/badge.svg?version=x",
    "/v/klein/badge.svg?index=nope",
]

_MAX_AGE = re.compile(r"(?:^|[ ,])max-age=(\d+)")


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        stack.control("fail?name=bench-1&how=500")
        stack.control("fail?name=numbered-1&how=429")
        ages = []
        for path in PATHS:
            mark = "&" if "?" in path else "?"
            status, headers, _ = stack.get(f"{path}{mark}cacheSeconds={ASKED}")
            if status != 200:
                continue
            found = _MAX_AGE.search(headers.get("Cache-Control", ""))
            if found:
                ages.append(int(found.group(1)))
        return {"error_badges": len(ages), "stretched": sum(age >= ASKED for age in ages),
                "max_age_longest": max(ages, default=0)}
    finally:
        stack.stop()
