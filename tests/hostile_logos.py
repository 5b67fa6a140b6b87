"""
Logos of a client's own, as data URIs, for the tests of what rasters draw of them: issue 24's
logo that held the raster workers, and the helpers that make others.
"""

import base64
import io

from PIL import Image

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 24 24">'

#: Issue 24's logo, some 650 bytes once in a URL: a turbulence of 1,000 octaves over a filter
#: region of millions of user units, which resvg took 17 s to draw into a badge.
ATTACK = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><!-- 7 -->'
    '<filter id="f" filterUnits="userSpaceOnUse" x="-1e6" y="-1e6" width="3e6" height="3e6">'
    '<feTurbulence baseFrequency=".01" numOctaves="1000"/><feGaussianBlur stdDeviation="5000"/>'
    '</filter><rect width="100000" height="100000" filter="url(#f)"/></svg>'
)


def uri(document: "str | bytes", media_type: str = "image/svg+xml") -> str:
    data = document.encode("utf-8") if isinstance(document, str) else document
    return f"data:{media_type};base64," + base64.b64encode(data).decode("ascii")


def svg(body: str) -> str:
    """
    A data URI of an SVG logo whose elements are C{body}.
    """
    return uri(SVG_OPEN + body + "</svg>")


def attack(n: int) -> str:
    """
    L{ATTACK} with a comment of its own, C{n}: no failure remembered matches it.
    """
    return uri(ATTACK.replace("<!-- 7 -->", f"<!-- {n} -->"))


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 30, 30, 255)).save(out, format="PNG")
    return out.getvalue()
