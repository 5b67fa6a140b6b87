"""
Drawing badges, as pure functions of label, message, colours and style: SVG (L{svg}), rasters
drawn from it (L{raster}), and JSON for those who draw it themselves (L{json}).
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
