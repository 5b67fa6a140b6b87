"""
Item 11: redirects followed off the origin. Every upstream document of the badges below
answers 302 to the same path on another origin (the stand-in as C{localhost}, which serves the
real document there): PyPI's JSON API, pypistats, PyPI's Simple API (a project's page, a
provenance document) and an index's Simple API. How many requests reach the other origin, and
how many badges say what it served rather than ``unavailable``.
"""

import json
from pathlib import Path
from typing import Dict, List

from bench.trust.stack import ROOT, Stack, free_port

ITEM = "11"
WHAT = "requests that reach another origin through a redirect, and badges made of what it served"

#: (badge path, what fails: a project's name or a provenance file's).
BADGES = [
    ("/v/klein/badge.json", "klein"),
    ("/d/treq/badge.json?period=day", "treq"),
    ("/project-status/prov-archived/badge.json", "prov-archived"),
    ("/provenance/prov-gitlab/badge.json", "prov_gitlab-1.0.tar.gz"),
    ("/v/prov-google/badge.json?index=corp", "prov-google"),
]


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    # the stand-in's port is chosen here, for an index on it; the stack's own URLs are
    # given again (the later wins) for the same port
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    stack = Stack(tree, venv, work, standin=False, daemon_args=[
        "--pypi-url", f"{base}/pypi", "--simple-url", f"{base}/simple",
        "--stats-url", f"{base}/stats", "--index", f"corp={base}/simple",
    ])
    try:
        stack.upstream = port
        stack.start("standin", [str(venv / "bin/python"), "-m", "tests.standin", str(port)], port,
                    cwd=ROOT)
        for _, name in BADGES:
            stack.control(f"fail?name={name}&how=redirect")
        said: List[str] = []
        for path, _ in BADGES:
            status, _, body = stack.get(path)
            said.append(json.loads(body)["message"] if status == 200 else str(status))
        asked = stack.control("paths")
        return {
            "badges": len(BADGES),
            "badges_from_another_origin": sum(1 for message in said if message != "unavailable"),
            "requests_to_another_origin": asked["elsewhere"],
            "requests": asked["requests"],
        }
    finally:
        stack.stop()
