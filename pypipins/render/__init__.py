"""
Drawing badges, as pure functions of label, message, colours, style, logo and links: SVG
(L{svg}), the logos shields.io finds for a name or data URI (L{logos}), rasters drawn from the
SVG (L{raster}), and JSON for those who draw it themselves (L{json}).
"""

from typing import Dict

from pypipins.render import raster

#: Formats drawn as pictures, from the SVG.
RASTER_FORMATS = frozenset(raster.CONTENT_TYPES)

#: Format (the URL's extension) -> content type.
CONTENT_TYPES: Dict[str, str] = {
    "svg": "image/svg+xml;charset=utf-8",
    "json": "application/json",
    **raster.CONTENT_TYPES,
}

FORMATS = frozenset(CONTENT_TYPES)
