"""
The query parameters shields.io takes on every badge beyond texts and colours, checked as
its server checks them: ``logo``, ``logoColor``, ``logoSize``, ``link``, ``cacheSeconds`` and
its older name ``maxAge``, and ``colorA``/``colorB``, the older names of ``labelColor`` and
``color``. Pure: what is drawn of them is L{pypipins.render}'s, what is sent L{pypipins.web}'s.
"""

from typing import Dict, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from pypipins.render.colors import NOT_XML

#: shields' older names for the colour parameters: a README written for img.shields.io
#: years ago still says C{colorB=}.
LEGACY_COLORS = {"colorA": "labelColor", "colorB": "color"}

#: The longest C{logo} taken. A named icon is a few dozen characters; a data URI of an icon
#: worth drawing 14 pixels high is a few KB. shields has no limit of its own but the length
#: of a request line (about 8 KB behind its CDN); ours stops drawing at this, so that one
#: URL cannot make every badge it is on carry 16 KB of picture.
MAX_LOGO = 8192

#: badge-maker draws at most two links: the left part's and the right part's.
MAX_LINKS = 2

#: The longest link kept: longer ones are no link (no browser keeps such URLs either).
MAX_LINK = 2048

#: The largest C{cacheSeconds} said: RFC 9111 has caches take any larger delta-seconds as
#: 2^31, and shields takes any non-negative integer.
MAX_CACHE_SECONDS = 2**31 - 1

#: What a link's scheme may be: a badge is an image in someone's README, never a script.
LINK_SCHEMES = ("http", "https")


def legacy_colors(query: Mapping[str, str]) -> Dict[str, str]:
    """
    C{query} with C{colorA} read as C{labelColor} and C{colorB} as C{color}; the new names
    win when both are given.
    """
    params = dict(query)
    for old, new in LEGACY_COLORS.items():
        if old in params:
            params.setdefault(new, params[old])
    return params


def logo(value: Optional[str]) -> Optional[str]:
    """
    The C{logo} to look up or draw (a simple-icons name, or a data URI), or L{None} for none:
    empty, longer than L{MAX_LOGO}, or holding a character XML forbids (no icon's name has
    one, and a picture drawn with one would be no SVG; nor is it passed to a shields server).
    """
    if value is None or not value.strip() or len(value) > MAX_LOGO or NOT_XML.search(value):
        return None
    return value


def link(value: str) -> str:
    """
    A C{link} as drawn: itself when it is an absolute http or https URL of at most
    L{MAX_LINK} characters, with no character XML forbids (U+FFFE, U+FFFF, controls); else
    C{""}, no link, so that the other keeps its side.
    """
    if len(value) > MAX_LINK or NOT_XML.search(value) or any(
        c.isspace() or c in "\"<>`" or ord(c) < 0x20 for c in value
    ):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        # a bracketed host that is not an IPv6 address, say
        return ""
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.netloc:
        return ""
    return value


def links(values: Sequence[str]) -> Tuple[str, ...]:
    """
    The links a badge is drawn with: the first L{MAX_LINKS} C{link} values, each checked by
    L{link}; the right one kept at its place when the left one is dropped, none at all when
    both are.
    """
    kept = [link(value) for value in values[:MAX_LINKS]]
    while kept and not kept[-1]:
        kept.pop()
    return tuple(kept)


def cache_seconds(query: Mapping[str, str]) -> Optional[int]:
    """
    The seconds C{cacheSeconds} (or C{maxAge}) asks a badge to be kept, or L{None}: as in
    shields, a non-negative integer, and only one of the two names (both is neither).
    """
    given = [query[name] for name in ("cacheSeconds", "maxAge") if name in query]
    if len(given) != 1:
        return None
    text = given[0].strip()
    # an integer as shields' Joi.number().integer() takes it from a query: "60", "60.0"
    whole, dot, fraction = text.partition(".")
    if not whole.isascii() or not whole.isdigit() or (dot and fraction.strip("0")):
        return None
    if len(whole) > len(str(MAX_CACHE_SECONDS)):
        return MAX_CACHE_SECONDS
    return min(int(whole), MAX_CACHE_SECONDS)


def max_age(own: int, asked: Optional[int]) -> int:
    """
    The max-age a badge is sent with: its route's own, raised to what C{cacheSeconds}
    asked, never lowered.
    """
    return own if asked is None else max(own, asked)
