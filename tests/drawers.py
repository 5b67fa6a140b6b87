"""
Drawing functions for raster workers in tests (C{DrawingPool(target="tests.drawers:...")}):
the real rasterizer, except for badges whose SVG holds a word that makes it misbehave as a
broken rasterizer would; and drawers for sites held in memory: one in the caller's thread, and
one that hostile text cannot take down.
"""

import os
import time

from twisted.internet.defer import Deferred, fail, succeed

from pypipins.drawing.drawer import ANYONE, FAILED, WORKER_DIED, CannotDraw, Origin
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


class InProcessDrawer:
    """
    Rasters drawn at once in the caller's thread: for tests that run the site in memory on
    a Clock. The daemons never use it: a rasterizer that aborts would take them down.
    """

    def draw(self, svg: str, ext: str, origin: Origin = ANYONE) -> "Deferred[bytes]":
        try:
            return succeed(raster.rasterize(svg, ext))
        except Exception as e:
            return fail(CannotDraw(ext, FAILED, repr(e)[:200]))


class ForkingDrawer:
    """
    Rasters drawn by the real rasterizer in a child forked for each one and waited for at
    once: an in-memory site on a Clock keeps its synchronous answers, and a rasterizer that
    aborts on hostile text (resvg-py 0.2 on PyPy) ends the child, not the test run.
    """

    def draw(self, svg: str, ext: str, origin: Origin = ANYONE) -> "Deferred[bytes]":
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: draw, hand the bytes over, and leave without cleaning up
            code = 1
            try:
                os.close(read)
                data = raster.rasterize(svg, ext)
                while data:
                    data = data[os.write(write, data):]
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        chunks = []
        while True:
            chunk = os.read(read, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            return fail(CannotDraw(ext, WORKER_DIED, f"wait status {status}"))
        return succeed(b"".join(chunks))
