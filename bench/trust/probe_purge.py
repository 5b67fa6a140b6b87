"""
Item 7: PURGE misses the shields-style routes and clears the wrong ones. Through the tree's own
VCL, in front of its daemon: the badges of two packages on every route family cached, then
C{PURGE /v} (a kind's name: a package of that name has no badge here) and C{PURGE /klein}; how
many of klein's are still served from Varnish's copy after its PURGE, and how many of the other
package's, or of no package's, either PURGE cleared.
"""

import http.client
from pathlib import Path
from typing import Dict, List

from bench.trust.stack import Stack

ITEM = "7"
WHAT = "badges still cached after PURGE of their package, others' cleared by a PURGE"


def urls(name: str) -> List[str]:
    """
    A badge of C{name} on each route family, and its page on the site.
    """
    return [
        f"/v/{name}/badge.svg",
        f"/license/{name.upper()}/badge.json",
        f"/d/{name}/badge.svg?period=week",
        f"/pypi/v/{name}.svg",
        f"/pypi/l/{name}",
        f"/pypi/pyversions/{name}/24.8.0.json",
        f"/pypi/frameworkversions/django/{name}.svg",
        f"/pypi/djversions/{name}.svg",
        f"/pypi/dm/{name}.json",
        f"/?package={name}",
    ]


#: Cached, and no package's.
NO_PACKAGE = ["/badge/klein-v-blue.svg", "/badges/v", "/"]


def ask(port: int, path: str, method: str = "GET") -> "tuple[int, str]":
    """
    The status and X-Cache of one request, redirects not followed (http.client).
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("X-Cache", "")
    finally:
        connection.close()


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work, varnish=True)
    try:
        port = stack.varnish_port
        assert port is not None
        klein, attrs = urls("klein"), urls("attrs")
        every = klein + attrs + NO_PACKAGE

        def warm() -> None:
            for path in every:
                ask(port, path)

        def hits(paths: List[str]) -> int:
            return sum(1 for path in paths if ask(port, path)[1] == "HIT")

        warm()
        cached = hits(every)
        ask(port, "/v", "PURGE")
        # a kind's name: no badge here is a package's called v
        cleared_by_kind = len(every) - hits(every)
        warm()
        ask(port, "/klein", "PURGE")
        klein_kept = hits(klein)
        others_cleared = len(attrs + NO_PACKAGE) - hits(attrs + NO_PACKAGE)
        return {
            "badges_cached": cached,
            "klein_badges": len(klein),
            "klein_still_cached_after_purge_klein": klein_kept,
            "others_cleared_by_purge_klein": others_cleared,
            "cleared_by_purge_v": cleared_by_kind,
        }
    finally:
        stack.stop()
