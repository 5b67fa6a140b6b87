"""
Rasters are drawn by a L{RasterDrawer}: the daemons' is a pool of worker processes
(L{pypipins.drawing.pool}), where a rasterizer that panics, aborts or hangs costs one drawing and
never the daemon.
"""

from typing import Protocol

import attrs
from twisted.internet.defer import Deferred

#: Why a raster was not drawn, as counted in metrics.
FAILED = "failed"  # the rasterizer raised an exception
TIMED_OUT = "timed_out"  # it took longer than the time limit: the worker was killed
WORKER_DIED = "worker_died"  # the worker process ended while drawing (a panic, abort, segfault)
REFUSED = "refused"  # it holds what is not drawn here (a client's logo with a filter...): no worker tried


@attrs.frozen
class Origin:
    """
    Who asked for a drawing, and whether what it draws is the client's own making beyond
    texts and colours (a logo of theirs, a data URI): a pool of workers shares itself
    between clients, and gives such drawings less of itself.

    @ivar client: who asked, as L{pypipins.web.clients} tells clients apart (an address, or
        an IPv6 network); C{""} when unknown.
    @ivar client_made: the drawing holds a logo the client made.
    """

    client: str = ""
    client_made: bool = False


#: A drawing asked by no one in particular, of nothing a client made.
ANYONE = Origin()


class CannotDraw(Exception):
    """
    This SVG cannot be drawn in that format: the same drawing would fail again.

    @ivar ext: the format asked for (C{png}...).
    @ivar reason: L{FAILED}, L{TIMED_OUT}, L{WORKER_DIED} or L{REFUSED}.
    @ivar remembered: whether this is a failure seen before, answered without drawing.
    """

    def __init__(self, ext: str, reason: str, detail: str = "", remembered: bool = False) -> None:
        super().__init__(ext, reason, detail)
        self.ext = ext
        self.reason = reason
        self.detail = detail
        self.remembered = remembered

    def __str__(self) -> str:
        return f"cannot draw {self.ext}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


class DrawersBusy(Exception):
    """
    Too many drawings are waiting for a worker: asked again later, this one may be drawn.
    """


class RasterDrawer(Protocol):
    def draw(self, svg: str, ext: str, origin: Origin = ANYONE) -> "Deferred[bytes]":
        """
        The SVG text C{svg} in raster format C{ext} (a key of L{pypipins.render.raster.CONTENT_TYPES}),
        asked by C{origin}.

        @return: fires with the bytes, or fails with L{CannotDraw} or L{DrawersBusy}.
        """

