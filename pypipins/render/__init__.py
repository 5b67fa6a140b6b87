"""
Drawing badges: the formats a badge can be served in, each a pure function of the badge.
"""

import json
from typing import Callable, Dict, Tuple

from pypipins.badges import Badge, Options
from pypipins.render import svg

#: Format (the URL's extension) -> content type.
CONTENT_TYPES: Dict[str, str] = {
    "svg": "image/svg+xml;charset=utf-8",
    "json": "application/json",
}


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


def svg_bytes(badge: Badge, options: Options) -> bytes:
    return svg.render(
        badge.label, badge.message, badge.color, options.label_color, options.style
    ).encode("utf-8")


_DRAWERS: Dict[str, Callable[[Badge, Options], bytes]] = {
    "svg": svg_bytes,
    "json": endpoint_json,
}


def draw(badge: Badge, options: Options, ext: str) -> Tuple[bytes, str]:
    """
    The body and content type of C{badge} in format C{ext} (one of L{CONTENT_TYPES}).
    """
    return _DRAWERS[ext](badge, options), CONTENT_TYPES[ext]
