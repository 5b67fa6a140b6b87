"""
Item 9: the SVG badges' Content-Security-Policy. Each SVG route of both daemons
(C{twistd pypipins}: pypip.in's, shields' C{/pypi/}, the static badges; C{twistd shields}:
the static badges) asked for a badge with a C{data:} logo and a link; the policy it is sent
with read as a browser reads it: on how many routes the link may open (a popup, not itself
sandboxed), the logo may be drawn, and a script could run (never, before or after).
tests/scenarios/test_badge_browser.py shows the same in headless chromium.
"""

import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import quote

from bench.trust.stack import Stack
from tests.helpers import free_port

ITEM = "9"
WHAT = "SVG routes whose policy lets the badge's link open, its data: logo draw, or a script run"
ROUNDS = 1

LOGO = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="
QUERY = f"?logo={quote(LOGO, safe='')}&link={quote('https://example.org/', safe='')}"

#: The pypipins daemon's SVG routes, and the shields daemon's.
PYPIPINS = ["/v/klein/badge.svg", "/pypi/v/klein.svg", "/pypi/v/klein", "/badge/a-b-blue.svg"]
SHIELDS = ["/badge/a-b-blue.svg", "/badge/a-b-blue"]


def directives(policy: str) -> Dict[str, List[str]]:
    """
    A policy's directives, each name to its values (the first of a name counts, as in CSP).
    """
    found: Dict[str, List[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words and words[0].lower() not in found:
            found[words[0].lower()] = words[1:]
    return found


def _sources(found: Dict[str, List[str]], name: str) -> Optional[List[str]]:
    return found.get(name, found.get("default-src"))


def allows(policy: Optional[str]) -> Dict[str, bool]:
    """
    What a badge sent with C{policy} may do shown on its own or in <object>.
    """
    if not policy:
        return {"link_opens": True, "logo_drawn": True, "script_runs": True}
    found = directives(policy)
    sandbox = found.get("sandbox")
    images = _sources(found, "img-src")
    scripts = _sources(found, "script-src")
    return {
        # a link with target=_blank is a popup; the page it opens must not inherit the sandbox
        "link_opens": sandbox is None or {"allow-popups", "allow-popups-to-escape-sandbox"} <= set(sandbox),
        "logo_drawn": images is None or "data:" in images,
        "script_runs": (sandbox is None or "allow-scripts" in sandbox)
                       and (scripts is None or scripts != ["'none'"]),
    }


def _policy(url: str) -> Optional[str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return response.headers.get("Content-Security-Policy")
    except urllib.error.HTTPError as e:
        return e.headers.get("Content-Security-Policy")


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        shields_port = free_port()
        stack.start("shields", [str(venv / "bin/twistd"), "-n", "--pidfile=", "shields",
                                "--port", f"tcp:{shields_port}:interface=127.0.0.1"],
                    shields_port, cwd=work, env=stack.daemon_env)
        urls = [stack.url(path + QUERY) for path in PYPIPINS]
        urls += [f"http://127.0.0.1:{shields_port}{path}{QUERY}" for path in SHIELDS]
        seen = [allows(_policy(url)) for url in urls]
        return {"svg_routes": len(urls),
                "link_opens": sum(s["link_opens"] for s in seen),
                "logo_drawn": sum(s["logo_drawn"] for s in seen),
                "script_runs": sum(s["script_runs"] for s in seen)}
    finally:
        stack.stop()
