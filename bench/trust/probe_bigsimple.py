"""
Item 4, the Simple API's part: a project's PEP 691 page of 3.5 MB (pillow's size: 110 releases
of 43 files, the stand-in's C{wide-<N>}) decoded and condensed on the reactor's thread stalls
every warm badge meanwhile. Warm badges' latencies, alone and while the project-status badge
of such projects is asked cold, one after another (a new name each time: nothing kept).
"""

from pathlib import Path
from typing import Dict

from bench.trust import warm
from bench.trust.stack import Stack

ITEM = "4"
WHAT = "warm badges' latencies while project-status badges of 3.5 MB Simple pages are asked cold"

#: Seconds each phase samples the warm badges.
SECONDS = 12

WARM = [f"/v/bench-{n}/badge.svg" for n in range(5)]


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work)
    try:
        figures: Dict[str, float] = {}
        figures.update(warm.summary("quiet", warm.warm_latencies(stack.port, WARM, SECONDS / 2)))
        # a cold badge, to see what one costs alone
        status = warm.get(stack.port, "/project-status/wide-0/badge.svg")
        assert status == 200, status
        stop = warm.beside(1, lambda client, n: warm.get(stack.port, f"/project-status/wide-{n + 1}/badge.svg"))
        try:
            latencies = warm.warm_latencies(stack.port, WARM, SECONDS)
        finally:
            cold = stop()
        figures.update(warm.summary("beside_cold", latencies))
        figures["cold_badges"] = cold["asked"]
        figures["cold_badge_ms"] = cold["ask_ms"]
        return figures
    finally:
        stack.stop()
