"""
Drawing badges: each format a badge can be served in, as a pure function of the badge.
"""

import json
from typing import Dict

from pypipins.badges import Badge, Options
from pypipins.render import raster, svg

#: Formats drawn as pictures, from the SVG.
RASTER_FORMATS = frozenset(raster.CONTENT_TYPES)

#: Format (the URL's extension) -> content type.
CONTENT_TYPES: Dict[str, str] = {
    "svg": "image/svg+xml;charset=utf-8",
    "json": "application/json",
    **raster.CONTENT_TYPES,
}

FORMATS = frozenset(CONTENT_TYPES)


def endpoint_json(badge: Badge, options: Options) -> bytes:
    """
    The badge in shields.io's endpoint schema, so any shields-style renderer can draw it.
    """
    document = {
        "schemaVersion": 1,
        "label": badge.label,
        "message": badge.message,
        "color": badge.color,
    }
    if options.label_color is not None:
        document["labelColor"] = options.label_color
    if badge.is_error:
        document["isError"] = True
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def shields_json(badge: Badge, options: Options) -> bytes:
    """
    The badge as img.shields.io's C{.json} URLs give it, deprecated twins included.
    """
    document = {
        "name": badge.label,
        "label": badge.label,
        "value": badge.message,
        "message": badge.message,
        "color": badge.color,
    }
    if options.label_color is not None:
        document["labelColor"] = options.label_color
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def svg_text(badge: Badge, options: Options) -> str:
    return svg.render(badge.label, badge.message, badge.color, options.label_color, options.style)


def draw(badge: Badge, options: Options, ext: str) -> bytes:
    """
    C{badge} as SVG or JSON. Rasters are drawn from L{svg_text} by L{raster.rasterize}, which
    the daemons call in worker processes only (L{pypipins.drawpool}).
    """
    if ext == "json":
        return endpoint_json(badge, options)
    if ext == "svg":
        return svg_text(badge, options).encode("utf-8")
    raise ValueError(f"{ext!r} is neither svg nor json")
