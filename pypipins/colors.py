"""
The colours a badge may have: shields.io's names and aliases, and user-given hex values.
"""

import re
from typing import Optional

#: The values of shields.io's current renderer (badge-maker 6), as BADGES.md lists them.
NAMED = {
    "brightgreen": "#4b0",
    "green": "#67ac09",
    "yellowgreen": "#95991a",
    "yellow": "#d8b800",
    "orange": "#ea7233",
    "red": "#dd4343",
    "blue": "#007ec6",
    "grey": "#555",
    "lightgrey": "#939393",
}

ALIASES = {
    "gray": "grey",
    "lightgray": "lightgrey",
    "success": "brightgreen",
    "important": "orange",
    "critical": "red",
    "informational": "blue",
    "inactive": "lightgrey",
}

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse(value: str) -> Optional[str]:
    """
    A colour given by a user, as a canonical name or ``#rrggbb``; L{None} when it is neither a
    known name nor a 3- or 6-digit hex value.
    """
    name = value.strip().lower()
    name = ALIASES.get(name, name)
    if name in NAMED:
        return name
    match = _HEX.match(name)
    if match is None:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits


def to_hex(color: str) -> str:
    """
    The hex value to draw a colour from L{parse} (or a badge's own colour name) with.
    """
    return NAMED.get(color, color)
