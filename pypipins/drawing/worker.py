"""
A raster worker, C{python -m pypipins.drawing.worker [module:function]}, as
L{pypipins.drawing.pool.DrawingPool} starts it: it draws what it is sent, one drawing at a time,
with the pure C{pypipins.render.raster.rasterize} (or the function named, which tests use to
stand in for a rasterizer that aborts or hangs).

Frames both ways are a 4-byte big-endian length and that many bytes. In: the format, a
newline, the SVG (UTF-8). Out: one byte saying what follows, then the raster (L{DRAWN}), why
it could not be drawn (L{FAILED}), or nothing (L{READY}, once, when warmed up).
"""

import importlib
import os
import signal
import struct
import sys
from typing import BinaryIO, Callable, List, Optional

from pypipins.render import raster, svg

HEADER = struct.Struct(">I")

READY = b"R"
DRAWN = b"+"
FAILED = b"-"

#: The largest frame either side takes. The largest raster is some 200 KB (resvg-py 0.2's
#: PNGs are barely compressed); far past it, the stream has gone wrong.
MAX_FRAME = 16 * 1024 * 1024

DEFAULT_TARGET = "pypipins.render.raster:rasterize"

Draw = Callable[[str, str], bytes]


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def request(svg: str, ext: str) -> bytes:
    """
    The frame asking a worker to draw C{svg} as C{ext}.
    """
    return frame(ext.encode("ascii") + b"\n" + svg.encode("utf-8"))


def load(target: str) -> Draw:
    module, _, name = target.partition(":")
    draw: Draw = getattr(importlib.import_module(module), name)
    return draw


def _read(stream: BinaryIO, size: int) -> Optional[bytes]:
    data = stream.read(size)
    if data is None or len(data) < size:
        return None
    return data


def serve(draw: Draw, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """
    Draw each request read from C{stdin}, answering on C{stdout}, until C{stdin} ends.
    """
    while True:
        header = _read(stdin, HEADER.size)
        if header is None:
            return
        (size,) = HEADER.unpack(header)
        payload = _read(stdin, size) if size <= MAX_FRAME else None
        if payload is None:
            return
        ext, _, svg = payload.partition(b"\n")
        try:
            answer = DRAWN + draw(svg.decode("utf-8"), ext.decode("ascii"))
        except Exception as e:  # an exception is this drawing's failure, not the worker's
            answer = FAILED + repr(e)[:500].encode("utf-8", "replace")
        stdout.write(frame(answer))
        stdout.flush()


def warm_up(draw: Draw) -> None:
    """
    Load the libraries and, on PyPy, warm the JIT before the first badge is timed.
    """
    drawn = svg.render("warm", "up", "blue")
    for ext in raster.CONTENT_TYPES:
        draw(drawn, ext)


def _die_with_parent() -> None:
    """
    Have Linux kill this process when the daemon ends, however it ends: a worker stuck in a
    drawing never reads the end of its input.
    """
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the end of the input still ends it
        pass


def main(argv: List[str]) -> int:
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:  # the daemon ended before the line above
        return 1
    # Ctrl-C in a terminal reaches the whole process group: the daemon stops its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Frames go out on a copy of stdout; whatever a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    draw = load(argv[1] if len(argv) > 1 else DEFAULT_TARGET)
    warm_up(draw)
    out.write(frame(READY))
    out.flush()
    serve(draw, sys.stdin.buffer, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
