"""
Logos as shields.io's server finds them for a badge's ``logo`` query parameter: a named icon
of the npm package simple-icons 16.37.0, coloured and sized as shields does it (its
``lib/logos.js``, ``lib/load-simple-icons.js``, ``lib/svg-helpers.js`` and
``core/base-service/coalesce-badge.js``), or a data URI of the user's own.

The icons are read from ``logos.json.gz``, made by ``tools/make_logos.mjs`` from simple-icons
with the bounding boxes and translated paths ``logoSize=auto`` needs already computed there by
the npm packages shields uses (svg-path-bbox 2.1.0, svgpath 2.6.0); see ``LOGOS-SOURCE.txt``
for the source, its licence and the trademark disclaimer. Pure: the file is read once, by
L{load} or on first use.
"""

import base64
import gzip
import json
import re
import zlib
from functools import cache, lru_cache
from importlib.resources import files
from typing import Dict, List, Optional, Tuple, Union

from pypipins.render.colors import JS_WHITESPACE, NOT_XML, brightness, parse, to_svg
from pypipins.render.svg import escape_xml

__all__ = ["logo_data_uri", "shields_logo_width", "own_logo", "load", "ALIASES"]

#: shields' names for icons simple-icons renamed or dropped, from before (``logoAliases``).
ALIASES = {
    "azuredevops": "azure-devops",
    "eclipse": "eclipse-ide",
    "gitter-white": "gitter",
    "scrutinizer": "scrutinizer-ci",
    "stackoverflow": "stack-overflow",
    "tfs": "azure-devops",
    "travis": "travisci",
}

#: Brand colours this dark get a whitesmoke logo on every style but social...
_LIGHT_THRESHOLD = 0.4
#: ...and this light a dark grey one on social, whose label is white.
_DARK_THRESHOLD = 0.6
#: badge-maker's logo height: ``logoSize=auto`` keeps it and scales the width.
_LOGO_HEIGHT = 14

# Joi's string().dataUri(), which shields validates with, and its base64 (padding required).
_DATA_URI = re.compile(
    r"data:[\w+.-]+/[\w+.-]+;((charset=[\w-]+|base64),)?([^\n\r\u2028\u2029]*)", re.ASCII
)
_BASE64 = re.compile(
    r"(?:[A-Za-z0-9+/]{2}[A-Za-z0-9+/]{2})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
)
_JS_SPACE = re.compile(f"[{JS_WHITESPACE}]")
_PATH = re.compile(r'<path d="[^\n\r\u2028\u2029]*"/>')

# slug -> [title, hex, path, svg ("" for the usual form), width, height, auto viewBox,
# auto path]: see tools/make_logos.mjs.
Icon = List[Union[str, float, None]]


# Read once (0.1-0.2 s), by load(), which the daemons call as they start, before their port
# listens: read at the first badge with a logo, it held the reactor that long. Each icon is
# kept as its own compressed JSON, 3.6 MB in all, and decoded when a badge names it: as
# objects, the icons took 9 MB (CPython) to 21 MB (PyPy) of a daemon's memory for good.
@cache
def _data() -> Tuple[Dict[str, bytes], Dict[str, str]]:
    raw = files(__package__).joinpath("logos.json.gz").read_bytes()
    document = json.loads(gzip.decompress(raw).decode("utf-8"))
    icons = {slug: zlib.compress(json.dumps(icon, separators=(",", ":")).encode("utf-8"))
             for slug, icon in document["icons"].items()}
    return icons, document["keys"]


@lru_cache(maxsize=256)
def _icon(slug: str) -> Icon:
    """
    The icon under C{slug}, decoded.
    """
    icon: Icon = json.loads(zlib.decompress(_data()[0][slug]))
    return icon


def load() -> None:
    """
    Read the icons now, rather than at the first badge that names one.
    """
    _data()


def _slug(key: str) -> Optional[str]:
    """
    The slug of the icon shields' map of icons has under C{key}, if any.
    """
    icons, keys = _data()
    if key in keys:
        return keys[key]
    return key if key in icons else None


def _data_uri(value: str) -> Optional[str]:
    """
    shields' ``decodeDataUrlFromQueryParam``: C{value} with ``data:`` put before it when
    missing, spaces turned back into the ``+`` a query string made them, and any other
    white space removed, if that is a data URI as Joi's ``dataUri()`` has it.

    Joi takes control characters in the data (``data:image/png;,%01``), which badge-maker
    then writes into the SVG as they are; one XML forbids makes it no data URI here.
    """
    uri = value if value.startswith("data:") else "data:" + value
    uri = _JS_SPACE.sub("", uri.replace(" ", "+"))
    match = _DATA_URI.fullmatch(uri)
    if match is None or NOT_XML.search(uri):
        return None
    if match.group(2) == "base64" and not _BASE64.fullmatch(match.group(3)):
        return None
    return uri


def own_logo(logo: str) -> Optional[str]:
    """
    The data URI of the client's own logo, when C{logo} (a ``logo`` query parameter) is one
    rather than an icon's name: as L{logo_data_uri} draws it.
    """
    return _data_uri(logo)


def logo_data_uri(
    logo: str,
    *,
    logo_color: Optional[str] = None,
    style: str = "flat",
    auto_size: bool = False,
) -> Optional[Tuple[str, Optional[float]]]:
    """
    The logo shields.io draws for a badge's ``logo`` query parameter, as the data URI to give
    L{pypipins.render.svg.render} as C{logo}, and the width to give it as C{logo_width}.

    A C{logo} that is a data URI once ``data:`` is put before it if missing, spaces made
    ``+`` again and other white space dropped, is that URI, with no width. Else it names a
    simple-icons icon, case-insensitively: by its slug, its title, or its title with hyphens
    for spaces (or one of shields' L{ALIASES}); anything else is L{None}, no logo.

    A named icon is filled with C{logo_color} when it is a colour badge-maker takes (see
    L{pypipins.render.colors.parse}); else with its brand colour, except that a dark one (brightness
    at most 0.4) is whitesmoke on every C{style} but ``social``, and a light one (at least 0.6)
    is ``#333`` on ``social``.

    C{auto_size} is ``logoSize=auto``: an icon that is not square has its path moved to the
    origin (its numbers rounded to 3 decimals, as shields' svgpath call rounds them) and its
    viewBox fitted to it, and the width is the icon's width for a height of 14. As in
    shields, that width is looked up under C{logo} lower-cased and nothing else (no alias, no
    hyphens), so that C{None} comes back for an alias; also for a square icon, which is drawn
    14 wide anyway.
    """
    uri = _data_uri(logo)
    if uri is not None:
        return uri, None
    name = logo.lower()
    name = ALIASES.get(name, name)
    slug = _slug(name.replace(" ", "-"))
    if slug is None:
        return None
    title, hex_digits, path, svg, _, _, auto_view_box, auto_path = _icon(slug)
    if not svg:
        svg = (
            '<svg role="img" viewBox="0 0 24 24" xmlns="http://www.w3.org/2000/svg">'
            f'<title>{escape_xml(str(title))}</title><path d="{path}"/></svg>'
        )
    svg = str(svg)
    fill = to_svg(logo_color)
    if not fill:
        fill = _brand_fill(str(hex_digits), style)
    svg = svg.replace("<svg", f'<svg fill="{fill}"', 1)
    if auto_size and auto_view_box is not None:
        svg = svg.replace('viewBox="0 0 24 24"', f'viewBox="{auto_view_box}"', 1)
        svg = _PATH.sub(lambda _: f'<path d="{auto_path}"/>', svg, count=1)
    encoded = base64.b64encode(svg.strip(JS_WHITESPACE).encode("utf-8")).decode("ascii")
    return "data:image/svg+xml;base64," + encoded, _auto_width(logo) if auto_size else None


def _brand_fill(hex_digits: str, style: str) -> str:
    """
    shields' ``getSimpleIconStyle``: whitesmoke, ``#333`` or the brand colour.
    """
    value = brightness(parse(hex_digits))
    if style != "social" and value <= _LIGHT_THRESHOLD:
        return "whitesmoke"
    if style == "social" and value >= _DARK_THRESHOLD:
        return "#333"
    return "#" + hex_digits


def _auto_width(logo: str) -> Optional[float]:
    """
    coalesce-badge's ``logoWidth`` for ``logoSize=auto``, under the name as given; L{None}
    where it would be 14.
    """
    slug = _slug(logo.lower())
    if slug is None:
        return None
    width, height = _icon(slug)[4:6]
    assert isinstance(width, (int, float)) and isinstance(height, (int, float))
    if width == height:
        return None
    return width / height * _LOGO_HEIGHT


def shields_logo_width(logo: str) -> Optional[float]:
    """
    The C{logoWidth} shields' coalesce-badge gives badge-maker for a C{logo} with
    ``logoSize=auto``, which its JSON says: the width of the icon under C{logo} lower-cased
    (and nothing else) for a height of 14, 14 for a square one; L{None} for a data URI or
    a name no icon has. (L{logo_data_uri}'s width is what is drawn: L{None} for 14.)
    """
    if _data_uri(logo) is not None:
        return None
    slug = _slug(logo.lower())
    if slug is None:
        return None
    width, height = _icon(slug)[4:6]
    assert isinstance(width, (int, float)) and isinstance(height, (int, float))
    return width / height * _LOGO_HEIGHT
