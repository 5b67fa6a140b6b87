"""
How long drawing one badge takes: SVG and each raster format, median of many, in-process.

    .venv/bin/python bench/render.py [--rounds N]

Inputs vary (the reference cases' texts and styles) so that no cache helps; the figures are
the renderer's own, before the in-process image cache of pypipins.drawing.images.
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from pypipins.render import raster, svg

CASES = Path(__file__).parent.parent / "tests" / "fixtures" / "render" / "cases.json"


def median_ms(function, inputs) -> float:
    times = []
    for args in inputs:
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5, help="passes over the inputs")
    rounds = parser.parse_args().rounds
    cases = json.loads(CASES.read_text())["cases"]
    inputs = [(c["label"], c["message"], c["color"], c["labelColor"], c["style"]) for c in cases]
    print(f"{platform.python_implementation()} {platform.python_version()}, {len(inputs)} inputs")
    svg.render(*inputs[0])  # width table loaded
    print(f"svg:  median {median_ms(svg.render, inputs * rounds):.3f} ms per badge "
          f"over {len(inputs) * rounds} renders")
    drawn = [(svg.render(*args),) for args in inputs[:100]]
    for ext in ("png", "jpg", "gif", "tiff"):
        raster.rasterize(drawn[0][0], ext)  # libraries loaded
        ms = median_ms(lambda s, ext=ext: raster.rasterize(s, ext), drawn * max(1, rounds // 2))
        print(f"{ext}:  median {ms:.2f} ms per badge (from its SVG)")


if __name__ == "__main__":
    main()
