"""
Whether a client's own logo, a data URI given as ``?logo=``, may be drawn into a raster here.

resvg draws a raster in a worker, and what a logo holds decides what that costs. A logo is
drawn 14 pixels high, and needs none of what makes a drawing slow or reaches out of the
document: filters (a turbulence of 1,000 octaves over a filter region of millions of user
units took resvg 17 s, for 618 bytes), patterns, markers, images within the logo, scripts,
foreign objects, references to other documents, DOCTYPEs and their entities, gzipped SVG, CSS
that references, and fan-out through ``use``, ``clip-path`` and ``mask`` (each reference
draws its target once more: five of five of five...). A logo that is itself a PNG, JPEG, GIF
or WebP is drawn from its pixels, and is held to a size read from its header.

Only the raster's drawing is refused: the SVG badge keeps the logo as it is, for the
browser that draws it (as an image, which runs nothing and fetches nothing). Named icons
come from our own table and are never checked. Pure: the decision is a function of the URI.
"""

import base64
import binascii
import re
from typing import Callable, Dict, List, Optional, Set, Tuple
from urllib.parse import unquote_to_bytes
from xml.parsers import expat

__all__ = ["refusal", "MAX_PIXELS", "MAX_DRAWN"]

SVG_NS = "http://www.w3.org/2000/svg"

#: The SVG elements a logo may hold: shapes, groups, text, gradients, clipping and masking,
#: and references within the document. Elements of other namespaces (Inkscape's, RDF
#: metadata) are not drawn at all, and may be there.
ALLOWED = frozenset({
    "svg", "g", "defs", "title", "desc", "metadata", "symbol", "use", "a", "switch",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
    "linearGradient", "radialGradient", "stop", "clipPath", "mask", "style",
})

#: Elements drawn once the document's own are counted with what they reference again, at
#: most: a logo exported by a drawing program has tens to a few hundred; a fan-out of
#: ``use`` five deep has millions.
MAX_DRAWN = 2000

#: Pixels of a raster logo, read from its header: 4 megapixels (16 MB decoded) is far past
#: what a logo 14 pixels high shows, and decodes in tens of milliseconds. A header of a few
#: bytes can announce gigapixels.
MAX_PIXELS = 2048 * 2048

#: Raster formats resvg decodes, by their first bytes (resvg sniffs ``text/plain`` the same way).
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_GIFS = (b"GIF87a", b"GIF89a")

#: Media types resvg takes for raster images: data of another kind under them is drawn as nothing.
_RASTER_TYPES = frozenset({"image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp"})

_BASE64_SUFFIX = re.compile(r";[\t\n\f\r ]*base64$", re.I)
_ASCII_SPACE = re.compile(rb"[\t\n\f\r ]")
_LOCAL_URL = re.compile(r"""url\(\s*(['"]?)#([^'")\s]+)\1\s*\)""")
_GRADIENTS = frozenset({"linearGradient", "radialGradient"})
#: Properties whose value may reference another element, which is then drawn again.
_DRAWS_AGAIN = ("clip-path", "mask")


class _Refused(Exception):
    """
    The logo holds what is not drawn here: the message says what.
    """


class _NotXML(Exception):
    """
    The data is not a well-formed XML document.
    """


def _decoded(uri: str) -> Optional[Tuple[str, bytes]]:
    """
    The media type and bytes of a data URI, as the WHATWG "data: URL processor" (which
    resvg's data-url crate follows) has them; L{None} where it fails.
    """
    if uri[:5].lower() != "data:":
        return None
    header, comma, body = uri[5:].partition(",")
    if not comma:
        return None
    header = header.strip(" \t\n\f\r")
    data = unquote_to_bytes(body)
    suffix = _BASE64_SUFFIX.search(header)
    if suffix is not None:
        header = header[: suffix.start()]
        data = _ASCII_SPACE.sub(b"", data)
        if len(data) % 4 == 0 and data.endswith(b"="):
            data = data[:-2] if data.endswith(b"==") else data[:-1]
        if len(data) % 4 == 1:
            return None
        try:
            data = base64.b64decode(data + b"=" * (-len(data) % 4), validate=True)
        except (binascii.Error, ValueError):
            return None
    essence = header.split(";", 1)[0].strip(" \t\n\f\r").lower()
    return essence or "text/plain", data


def refusal(uri: str) -> Optional[str]:
    """
    Why a raster of a badge with the client's logo C{uri} (a data URI) is not drawn, in a
    few words; L{None} if it may be.
    """
    decoded = _decoded(uri)
    if decoded is None:
        return "the logo is not a data URI that can be read"
    media_type, data = decoded
    try:
        size = _raster_size(data)
        if size is not None:
            width, height = size
            if width * height > MAX_PIXELS:
                return f"the logo is {width}x{height} pixels, more than {MAX_PIXELS} in all"
            return None
        if data[:2] == b"\x1f\x8b":
            return "the logo is compressed"
        return _check_svg(data)
    except _NotXML:
        # nothing resvg draws under a raster type; under any other, it would be read as SVG
        return None if media_type in _RASTER_TYPES else "the logo is neither SVG nor a raster image"
    except _Refused as e:
        return str(e)


# -- raster logos ---------------------------------------------------------------------------


def _raster_size(data: bytes) -> Optional[Tuple[int, int]]:
    """
    The width and height a raster logo's header announces; L{None} for data that is no
    raster; L{_Refused} for a raster whose size cannot be read.
    """
    if data.startswith(_PNG):
        if data[12:16] != b"IHDR":
            raise _Refused("the logo's PNG header cannot be read")
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(_JPEG):
        return _jpeg_size(data)
    if data[:6] in _GIFS:
        return _gif_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


#: JPEG's start-of-frame markers, which hold the size: C0-CF but C4 (DHT), C8 (JPG), CC (DAC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> Tuple[int, int]:
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _SOF:
            return int.from_bytes(data[at + 7 : at + 9], "big"), int.from_bytes(data[at + 5 : at + 7], "big")
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    raise _Refused("the logo's JPEG size cannot be read")


def _gif_size(data: bytes) -> Tuple[int, int]:
    """
    The larger of the screen's size and the first frame's (a decoder makes a canvas of each).
    """
    if len(data) < 13:
        raise _Refused("the logo's GIF header cannot be read")
    width, height = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while at < len(data):
        block = data[at]
        if block == 0x2C:  # image descriptor
            if at + 9 > len(data):
                break
            frame_width = int.from_bytes(data[at + 5 : at + 7], "little")
            frame_height = int.from_bytes(data[at + 7 : at + 9], "little")
            return max(width, frame_width), max(height, frame_height)
        if block != 0x21:  # neither an extension nor a frame: the end, or junk
            break
        at += 2
        while at < len(data) and data[at]:
            at += 1 + data[at]
        at += 1
    return width, height


def _webp_size(data: bytes) -> Tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(data) >= 30:
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    raise _Refused("the logo's WebP size cannot be read")


# -- SVG logos ------------------------------------------------------------------------------


class _Element:
    __slots__ = ("svg", "name", "attributes", "children", "text")

    def __init__(self, svg: bool, name: str, attributes: List[Tuple[str, str]]) -> None:
        self.svg = svg
        self.name = name
        #: (local name, value): C{href} and C{xlink:href} both, if both are there
        self.attributes = attributes
        self.children: List[_Element] = []
        self.text: List[str] = []

    def get(self, name: str) -> Optional[str]:
        return next((value for key, value in self.attributes if key == name), None)


#: Elements within elements, at most: icons nest a few deep; the checks below recurse.
MAX_DEPTH = 64


def _parse(data: bytes) -> _Element:
    """
    The document's elements, with namespaces resolved and attributes by their local names.
    Elements of no namespace are taken as SVG's, to be checked all the same.
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    top = _Element(False, "", [])
    stack = [top]

    def start(name: str, attributes: Dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        element = _Element(namespace in (SVG_NS, ""), local,
                           [(key.rpartition(" ")[2], value) for key, value in attributes.items()])
        stack[-1].children.append(element)
        stack.append(element)
        if len(stack) > MAX_DEPTH:
            raise _Refused(f"the logo nests elements more than {MAX_DEPTH} deep")

    def end(name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        stack[-1].text.append(data)

    def refuse(why: str) -> "Callable[..., None]":
        def handler(*args: object) -> None:
            raise _Refused(why)

        return handler

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    # entities are declared in a DOCTYPE: refused before any is read
    parser.StartDoctypeDeclHandler = refuse("the logo has a DOCTYPE")
    # such as <?xml-stylesheet href=...?>, a document of its own
    parser.ProcessingInstructionHandler = refuse("the logo has a processing instruction")
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        raise _NotXML()
    if len(top.children) != 1:
        raise _NotXML()
    return top.children[0]


def _declarations(style: str) -> List[Tuple[str, str]]:
    found = []
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        if colon:
            found.append((name.strip().lower(), value.strip()))
    return found


def _properties(element: _Element) -> List[Tuple[str, str]]:
    """
    Its presentation attributes and the declarations of its C{style}, as (name, value).
    """
    found = list(element.attributes)
    style = element.get("style")
    if style is not None:
        if "\\" in style:  # a CSS escape could spell a property this check looks for
            raise _Refused("the logo escapes CSS")
        found += _declarations(style)
    return found


def _check_svg(data: bytes) -> Optional[str]:
    root = _parse(data)
    ids: Dict[str, _Element] = {}
    elements: List[_Element] = []
    pending = [root]
    while pending:
        element = pending.pop()
        elements.append(element)
        pending.extend(element.children)
        if element.svg:
            identifier = element.get("id")
            if identifier is not None:
                if identifier in ids:
                    raise _Refused(f"the logo has two elements of id {identifier!r}")
                ids[identifier] = element
    references: Dict[int, List[_Element]] = {}
    for element in elements:
        if element.svg:
            references[id(element)] = _checked(element, ids)
    _count(root, references)
    return None


def _checked(element: _Element, ids: Dict[str, _Element]) -> List[_Element]:
    """
    Refuses an element the logo may not hold; else the elements it draws again by reference.
    """
    if element.name not in ALLOWED:
        raise _Refused(f"the logo has a <{element.name}> element")
    if element.name == "style":
        css = "".join(element.text).lower()
        for word in ("url(", "@", "filter", "\\"):
            if word in css:
                raise _Refused(f"the logo's CSS has {word!r} in it")
    drawn_again = []
    for name, value in _properties(element):
        if name == "filter" and value.strip().lower() != "none":
            raise _Refused("the logo has a filter")
        if name == "href" and (element.name == "use" or element.name in _GRADIENTS):
            target = ids.get(value.strip()[1:]) if value.strip().startswith("#") else None
            if target is None:
                raise _Refused("the logo references what is not in it")
            if element.name == "use":
                drawn_again.append(target)
        elif name in _DRAWS_AGAIN or name in ("fill", "stroke"):
            if "url(" not in value.lower():
                continue
            local = _LOCAL_URL.search(value)
            target = ids.get(local.group(2)) if local is not None else None
            if target is None:
                raise _Refused("the logo references what is not in it")
            if name in _DRAWS_AGAIN:
                drawn_again.append(target)
    return drawn_again


def _count(root: _Element, references: Dict[int, List[_Element]]) -> None:
    """
    Refuses a logo whose elements, counted again wherever they are drawn again, are more than
    L{MAX_DRAWN}, or that references itself.
    """
    counted: Dict[int, int] = {}
    under_way: Set[int] = set()

    def count(element: _Element, depth: int) -> int:
        key = id(element)
        if key in counted:
            return counted[key]
        if key in under_way:
            raise _Refused("the logo references itself")
        if depth > MAX_DEPTH:
            raise _Refused(f"the logo's references go more than {MAX_DEPTH} deep")
        under_way.add(key)
        total = 1
        for child in element.children:
            total += count(child, depth + 1)
            if total > MAX_DRAWN:
                break
        for target in references.get(key, ()):
            total += count(target, depth + 1)
            if total > MAX_DRAWN:
                break
        under_way.discard(key)
        if total > MAX_DRAWN:
            raise _Refused(f"the logo draws more than {MAX_DRAWN} elements")
        counted[key] = total
        return total

    count(root, 0)
