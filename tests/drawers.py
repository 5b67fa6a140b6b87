"""
Drawing functions for raster workers in tests (C{DrawingPool(target="tests.drawers:...")}):
the real rasterizer, except for badges whose SVG holds a word that makes it misbehave as a
broken rasterizer would.
"""

import os
import time

from pypipins.render import raster


def misbehaving(svg: str, ext: str) -> bytes:
    """
    C{ABORT}: the process aborts, as a Rust panic does. C{HANG}: it never answers. C{RAISE}:
    an exception. C{SLOW}: a second. Anything else is drawn.
    """
    if "ABORT" in svg:
        os.abort()
    if "HANG" in svg:
        while True:
            time.sleep(60)
    if "RAISE" in svg:
        raise ValueError("cannot draw this")
    if "SLOW" in svg:
        time.sleep(1)
    return raster.rasterize(svg, ext)


def broken_while_flagged(svg: str, ext: str) -> bytes:
    """
    A rasterizer that cannot even start (the worker ends before it is ready) while the file
    C{$DRAWERS_BROKEN} exists.
    """
    if os.path.exists(os.environ["DRAWERS_BROKEN"]):
        raise SystemExit(3)
    return raster.rasterize(svg, ext)
