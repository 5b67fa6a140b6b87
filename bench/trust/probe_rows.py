"""
Issue 26 changed how a badge is made (one pipeline, Lookup in parts, Redis behind one
connection, one Fetcher entry point) and nothing of what it says: bench/run.py's warm rows
(wrk, 50 connections, one badge and the mix) and its cold row (200 clients at once, 50
packages nobody asked for, the stand-in answering in 50 ms), for the code before and after.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Dict

from bench.run import WARM_MIX, WARM_ONE, wrk
from bench.trust.stack import ROOT, Stack

ITEM = "26"
WHAT = "bench/run.py's warm and cold rows"

#: Seconds of wrk before each measured run (caches, PyPy's JIT), and of each measured run.
WARM_UP = 5
SECONDS = 5


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        figures: Dict[str, float] = {}
        for name, paths in (("warm_one", WARM_ONE), ("warm_mix", WARM_MIX)):
            wrk(stack.port, paths, WARM_UP)
            row = wrk(stack.port, paths, SECONDS)
            figures[f"{name}_rps"] = row["rps"]
            figures[f"{name}_p50_ms"] = row["p50_ms"]
            figures[f"{name}_p99_ms"] = row["p99_ms"]
            figures[f"{name}_not_2xx"] = row["non_2xx"]
        before = stack.control("requests")["requests"]
        stack.control("delay?seconds=0.05")
        cold = json.loads(subprocess.run(
            [sys.executable, str(ROOT / "bench/client.py"), "cold", f"http://127.0.0.1:{stack.port}"],
            capture_output=True, text=True, check=True,
        ).stdout)
        figures.update({f"cold_{k}": cold[k] for k in ("ok", "p50_ms", "p90_ms", "p99_ms", "max_ms")})
        figures["cold_upstream_requests"] = stack.control("requests")["requests"] - before
        return figures
    finally:
        stack.stop()
