"""
SVG badges, byte for byte as shields.io draws them.

A port of ``makeBadge`` from the npm package badge-maker 6.0.0 (``lib/index.js``,
``make-badge.js``, ``badge-renderers.js``, ``color.js``, ``xml.js``; MIT OR Apache-2.0,
Copyright (c) Thaddée Tyl, Paul Melnikow, Pierre-Yves Bigourdan and contributors), without
logos and links, and with an empty ``idSuffix``. ``tests/fixtures/render/cases.json`` holds
badge-maker's own output for a few hundred inputs; ``tests/test_render_svg.py`` holds us to it.

Where badge-maker computes with JavaScript semantics (UTF-16 lengths, ``trim()``, ``\\s``,
number-to-string, ``toFixed``), so do we: those decide the bytes.
"""

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Callable, Dict, Optional, Tuple, Union

from pypipins.colors import ALIASES, NAMED
from pypipins.render.widths import (
    HELVETICA_11_BOLD,
    VERDANA_10,
    VERDANA_10_BOLD,
    VERDANA_11,
    preferred_width,
    text_width,
    to_int32,
)

__all__ = ["render", "STYLES"]

STYLES = ("flat", "flat-square", "plastic", "for-the-badge", "social")

_FONT_FAMILY = "Verdana,Geneva,DejaVu Sans,sans-serif"
_SOCIAL_FONT_FAMILY = "Helvetica Neue,Helvetica,Arial,sans-serif"
# Text is laid out at 10x and scaled down, for finer positioning (shields PR 1132).
_SCALE_UP = 10
_SCALE_DOWN = "scale(.1)"
_WHITE = "#fff"
_DEFAULT_COLOR = "#4b0"
_DEFAULT_LABEL_COLOR = "#555"

#: What JavaScript's ``trim()`` and regex ``\s`` take for white space (Python's ``str.strip``
#: and ``\s`` differ: they also take U+001C-U+001F and U+0085, and leave U+FEFF).
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_AFTER_TAG_SPACE = re.compile(f">[{_JS_WHITESPACE}]+")
_TAG_OPEN_SPACE = re.compile(f"<[{_JS_WHITESPACE}]+")

# badge-maker's isHexColor (bare digits), and css-color-converter's hex forms (with '#').
_BARE_HEX = re.compile("(?:[0-9a-fA-F]{3}){1,2}")
_CSS_HEX = re.compile("#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")

Number = Union[int, float]
Attrs = Dict[str, Union[str, Number]]


def render(
    label: str,
    message: str,
    color: str,
    label_color: Optional[str] = None,
    style: str = "flat",
) -> str:
    """
    The SVG that badge-maker's ``makeBadge({label, message, color, labelColor, style})``
    draws, with C{label_color=None} meaning no ``labelColor`` given.

    Colours are shields names or aliases (``brightgreen``, ``critical``...), or hex digits with
    or without ``#``; one badge-maker does not understand falls back to its default
    (``#4b0`` on the right, ``#555`` on the left). Two deliberate differences, both outside
    that domain: badge-maker passes other CSS colours (``black``, ``rgb(...)``) through, and
    draws ``fill="undefined"`` for names JavaScript finds on ``Object.prototype``
    (``toString``, ``constructor``...); we treat both as invalid, and fall back.

    @raise ValueError: C{style} is not one of L{STYLES}.
    """
    draw = _STYLES.get(style)
    if draw is None:
        raise ValueError(f"unknown badge style {style!r}, expected one of {STYLES}")
    svg = draw(
        label.strip(_JS_WHITESPACE),
        message.strip(_JS_WHITESPACE),
        _to_svg_color(color) or _DEFAULT_COLOR,
        _to_svg_color(label_color),
    )
    return _strip_xml_whitespace(svg)


# Colours.


def _to_svg_color(color: Optional[str]) -> Optional[str]:
    """
    The fill for a user's colour (badge-maker's ``toSvgColor``), L{None} if it is not one.

    Only exact, lower-case names count. Hex with a ``#`` comes back lower-cased but otherwise
    as given, surrounding white space included, since badge-maker only trims it to validate.
    """
    if color is None:
        return None
    if color in NAMED:
        return NAMED[color]
    if color in ALIASES:
        return NAMED[ALIASES[color]]
    if _BARE_HEX.fullmatch(color):
        return "#" + color.lower()
    if _CSS_HEX.fullmatch(color.strip(_JS_WHITESPACE)):
        return color.lower()
    return None


def _brightness(color: str) -> float:
    """
    The perceived brightness of a fill, 0 to 1 to two decimals (0 if it is not parseable).
    """
    match = _CSS_HEX.fullmatch(color)
    if match is None:
        return 0.0
    digits = match.group(1)
    if len(digits) <= 4:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    # JavaScript's toFixed(2): the decimal nearest the double, ties away from zero.
    value = Decimal((r * 299 + g * 587 + b * 114) / 255000)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _text_colors(background: str) -> Tuple[str, str]:
    """
    Text and shadow colours that stay legible on C{background}: white on dark, grey on light.
    """
    if _brightness(background) <= 0.69:
        return _WHITE, "#010101"
    return "#333", "#ccc"


# XML.


def _escape(text: str) -> str:
    """
    badge-maker's ``escapeXml``, which escapes quotes in text as well as in attributes.
    """
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def _js_number(value: Number) -> str:
    """
    A number as JavaScript writes it in a template string: ``130``, not ``130.0``.

    Our numbers are pixel coordinates, far from the ranges where JavaScript and Python switch
    to exponents differently.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value)


def _element(name: str, attrs: Attrs, *content: str) -> str:
    """
    badge-maker's ``XmlElement.render()``: C{content} is markup (escape text with L{_escape});
    an element without any is self-closing. Children are joined with spaces, which
    L{_strip_xml_whitespace} removes again, as in badge-maker.
    """
    rendered = "".join(
        f' {key}="{_escape(value) if isinstance(value, str) else _js_number(value)}"'
        for key, value in attrs.items()
    )
    if content:
        return f"<{name}{rendered}>{' '.join(content)}</{name}>"
    return f"<{name}{rendered}/>"


def _strip_xml_whitespace(xml: str) -> str:
    """
    Drop white space after a tag. Text never starts with any (it was trimmed, and escaped so
    it holds no ``>``), so this only removes the layout spaces between elements.
    """
    xml = _AFTER_TAG_SPACE.sub(">", xml)
    return _TAG_OPEN_SPACE.sub("<", xml).strip(_JS_WHITESPACE)


def _svg_document(width: Number, height: int, accessible_text: str, *content: str) -> str:
    """
    The outer ``<svg>``, titled with the badge's text for screen readers.
    """
    attrs: Attrs = {
        "xmlns": "http://www.w3.org/2000/svg",
        "width": width,
        "height": height,
        "role": "img",
        "aria-label": accessible_text,
    }
    return _element("svg", attrs, _element("title", {}, _escape(accessible_text)), "".join(content))


def _accessible_text(label: str, message: str) -> str:
    return f"{label}: {message}" if label else message


def _with_text_fill(attrs: Attrs, text_color: str) -> Attrs:
    """
    Give text a fill only when it is not the white its group already sets.
    """
    return attrs if text_color == _WHITE else {**attrs, "fill": text_color}


def _utf16_length(text: str) -> int:
    """
    JavaScript's ``String.length``: astral characters count twice.
    """
    return len(text.encode("utf-16-le")) // 2


# Styles.


def _classic(
    label: str, message: str, color: str, label_color: Optional[str], style: str
) -> str:
    """
    flat, flat-square and plastic: badge-maker's ``Badge`` class and its three subclasses.

    A label colour alone (with an empty label) still draws a 10px label box in that colour;
    with neither, the whole badge takes the message colour.
    """
    height, vertical_margin, shadow = {
        "flat": (20, 0, True),
        "flat-square": (20, 0, False),
        "plastic": (18, -10, True),
    }[style]
    padding = 5
    has_label = bool(label) or label_color is not None
    if label_color is None:
        label_color = _DEFAULT_LABEL_COLOR
    if not has_label:
        label_color = color

    label_width = preferred_width(label, VERDANA_11) if label else 0
    left_width = label_width + 2 * padding if has_label else 0
    message_width = preferred_width(message, VERDANA_11)
    message_margin = left_width - (1 if message else 0)
    if not has_label:
        message_margin += 1
    right_width = message_width + 2 * padding
    width = left_width + right_width

    def text(left_margin: int, content: str, background: str, content_width: int) -> str:
        if not content:
            return ""
        fill, shadow_fill = _text_colors(background)
        x = _SCALE_UP * (left_margin + 0.5 * content_width + padding)
        y = 140 + vertical_margin
        length = _SCALE_UP * content_width
        content = _escape(content)
        if not shadow:
            attrs: Attrs = {"x": x, "y": y, "textLength": length, "transform": _SCALE_DOWN}
            return _element("text", _with_text_fill(attrs, fill), content)
        blurred: Attrs = {
            "x": x, "y": y + 10, "fill-opacity": ".8", "filter": "url(#blur)",
            "textLength": length,
        }
        shaded: Attrs = {"x": x, "y": y + 10, "fill-opacity": ".3", "textLength": length}
        front: Attrs = {"x": x, "y": y, "textLength": length}
        shadows = _element(
            "g",
            {"aria-hidden": "true", "fill": shadow_fill},
            _element("text", blurred, content),
            _element("text", shaded, content),
        )
        return _element(
            "g",
            {"transform": _SCALE_DOWN},
            shadows,
            _element("text", _with_text_fill(front, fill), content),
        )

    foreground = _element(
        "g",
        {
            "fill": _WHITE, "text-anchor": "middle", "font-family": _FONT_FAMILY,
            "text-rendering": "geometricPrecision", "font-size": 110,
        },
        "",  # the logo
        text(1, label, label_color, label_width),
        text(message_margin, message, color, message_width),
    )
    rects = [
        _element("rect", {"width": left_width, "height": height, "fill": label_color}),
        _element(
            "rect", {"x": left_width, "width": right_width, "height": height, "fill": color}
        ),
    ]
    title = _accessible_text(label, message)
    if style == "flat-square":
        background = _element("g", {"shape-rendering": "crispEdges"}, *rects)
        return _svg_document(width, height, title, background, foreground)

    if style == "flat":
        stops = [
            _element("stop", {"offset": 0, "stop-color": "#bbb", "stop-opacity": ".1"}),
            _element("stop", {"offset": 1, "stop-opacity": ".1"}),
        ]
        radius = 3
    else:
        stops = [
            _element("stop", {"offset": 0, "stop-color": "#fff", "stop-opacity": ".7"}),
            _element("stop", {"offset": ".1", "stop-color": "#aaa", "stop-opacity": ".1"}),
            _element("stop", {"offset": ".9", "stop-color": "#000", "stop-opacity": ".3"}),
            _element("stop", {"offset": 1, "stop-color": "#000", "stop-opacity": ".5"}),
        ]
        radius = 4
    blur = _element("filter", {"id": "blur"}, _element("feGaussianBlur", {"stdDeviation": "16"}))
    gradient = _element("linearGradient", {"id": "s", "x2": 0, "y2": "100%"}, *stops)
    clip = _element(
        "clipPath",
        {"id": "r"},
        _element("rect", {"width": width, "height": height, "rx": radius}),
    )
    background = _element(
        "g",
        {"clip-path": "url(#r)"},
        *rects,
        _element("rect", {"width": width, "height": height, "fill": "url(#s)"}),
    )
    return _svg_document(width, height, title, blur, gradient, clip, background, foreground)


def _for_the_badge(label: str, message: str, color: str, label_color: Optional[str]) -> str:
    """
    Taller, upper-case and letter-spaced; the message in bold. A label colour without a
    label is ignored.

    Widths are not rounded to odd pixels here, and the letter spacing is counted per UTF-16
    code unit, as badge-maker does (its own TODO says it should count symbols).
    """
    height, margin, letter_spacing = 28, 12, 1.25
    label, message = label.upper(), message.upper()
    label_color = label_color or _DEFAULT_LABEL_COLOR

    label_text_width: Number = 0
    if label:
        label_text_width = (
            to_int32(text_width(label, VERDANA_10)) + letter_spacing * _utf16_length(label)
        )
    message_text_width: Number = 0
    if message:
        message_text_width = (
            to_int32(text_width(message, VERDANA_10_BOLD))
            + letter_spacing * _utf16_length(message)
        )

    label_rect_width: Number = 0
    message_text_x: Number = margin
    if label:
        label_rect_width = margin + label_text_width + margin
        message_text_x = label_rect_width + margin
    message_rect_width = 2 * margin + message_text_width

    label_text = ""
    if label:
        label_attrs: Attrs = {
            "transform": _SCALE_DOWN,
            "x": _SCALE_UP * (margin + 0.5 * label_text_width),
            "y": 175,
            "textLength": _SCALE_UP * label_text_width,
        }
        label_fill = _text_colors(label_color)[0]
        label_text = _element("text", _with_text_fill(label_attrs, label_fill), _escape(label))
    message_attrs: Attrs = {
        "transform": _SCALE_DOWN,
        "x": _SCALE_UP * (message_text_x + 0.5 * message_text_width),
        "y": 175,
        "textLength": _SCALE_UP * message_text_width,
        "font-weight": "bold",
    }
    message_fill = _text_colors(color)[0]
    message_text = _element("text", _with_text_fill(message_attrs, message_fill), _escape(message))

    message_rect: Attrs = {"width": message_rect_width, "height": height, "fill": color}
    rects = [_element("rect", message_rect)]
    if label:
        rects = [
            _element("rect", {"width": label_rect_width, "height": height, "fill": label_color}),
            _element("rect", {"x": label_rect_width, **message_rect}),
        ]
    background = _element("g", {"shape-rendering": "crispEdges"}, *rects)
    foreground = _element(
        "g",
        {
            "fill": _WHITE, "text-anchor": "middle", "font-family": _FONT_FAMILY,
            "text-rendering": "geometricPrecision", "font-size": _SCALE_UP * 10,
        },
        "",  # the logo
        label_text,
        message_text,
    )
    return _svg_document(
        label_rect_width + message_rect_width,
        height,
        _accessible_text(label, message),
        background,
        foreground,
    )


def _capitalize(text: str) -> str:
    """
    JavaScript's ``charAt(0).toUpperCase() + slice(1)``: the first UTF-16 code unit, so a
    label starting with an astral character stays as it is.
    """
    if not text or ord(text[0]) > 0xFFFF:
        return text
    return text[0].upper() + text[1:]


def _social(label: str, message: str, color: str, label_color: Optional[str]) -> str:
    """
    GitHub-like: a white label button and a speech bubble for the message, in Helvetica.
    Colours play no part; the label gets a leading capital.
    """
    label = _capitalize(label)
    height, inner_height, label_padding, message_padding, gutter = 20, 19, 5, 4, 6
    label_text_width = preferred_width(label, HELVETICA_11_BOLD)
    message_text_width = preferred_width(message, HELVETICA_11_BOLD)
    label_rect_width = label_text_width + 2 * label_padding
    message_rect_width = message_text_width + 2 * message_padding

    def texts(x: Number, length: int, content: str, front: Attrs) -> str:
        """
        A white shadow 1px below, then the text itself.
        """
        shadow: Attrs = {
            "aria-hidden": "true", "x": x, "y": 150, "fill": _WHITE,
            "transform": _SCALE_DOWN, "textLength": length,
        }
        front = {**front, "x": x, "y": 140, "transform": _SCALE_DOWN, "textLength": length}
        return _element("text", shadow, _escape(content)) + _element(
            "text", front, _escape(content)
        )

    bubble = message_texts = ""
    if message:
        bubble_x = label_rect_width + gutter + 0.5
        bubble = "".join([
            _element("rect", {
                "x": bubble_x, "y": ".5", "width": message_rect_width,
                "height": inner_height, "rx": 2, "fill": "#fafafa",
            }),
            _element("rect", {
                "x": label_rect_width + gutter, "y": 7.5, "width": ".5", "height": 5,
                "stroke": "#fafafa",
            }),
            _element("path", {
                "d": f"M{_js_number(bubble_x)} 6.5 l-3 3v1 l3 3", "fill": "#fafafa",
            }),
        ])
        message_texts = texts(
            _SCALE_UP * (label_rect_width + gutter + message_rect_width / 2),
            _SCALE_UP * message_text_width,
            message,
            {"id": "rlink"},
        )

    label_button = _element("rect", {
        "id": "llink", "stroke": "#d5d5d5", "fill": "url(#a)", "x": ".5", "y": ".5",
        "width": label_rect_width, "height": inner_height, "rx": 2,
    })
    label_texts = texts(
        _SCALE_UP * (0 + label_text_width / 2 + label_padding),  # 0: the logo's width
        _SCALE_UP * label_text_width,
        label,
        {},
    )

    style = _element(
        "style", {}, "a:hover #llink{fill:url(#b);stroke:#ccc}a:hover #rlink{fill:#4183c4}"
    )
    gradients = _element(
        "linearGradient",
        {"id": "a", "x2": 0, "y2": "100%"},
        _element("stop", {"offset": 0, "stop-color": "#fcfcfc", "stop-opacity": 0}),
        _element("stop", {"offset": 1, "stop-opacity": ".1"}),
    ) + _element(
        "linearGradient",
        {"id": "b", "x2": 0, "y2": "100%"},
        _element("stop", {"offset": 0, "stop-color": "#ccc", "stop-opacity": ".1"}),
        _element("stop", {"offset": 1, "stop-opacity": ".1"}),
    )
    background = _element(
        "g",
        {"stroke": "#d5d5d5"},
        _element("rect", {
            "stroke": "none", "fill": "#fcfcfc", "x": ".5", "y": ".5",
            "width": label_rect_width, "height": inner_height, "rx": 2,
        }),
        bubble,
    )
    foreground = _element(
        "g",
        {
            "aria-hidden": "true", "fill": "#333", "text-anchor": "middle",
            "font-family": _SOCIAL_FONT_FAMILY, "text-rendering": "geometricPrecision",
            "font-weight": 700, "font-size": "110px", "line-height": "14px",
        },
        label_button + label_texts,
        message_texts,
    )
    width = label_rect_width + 1 + (gutter + message_rect_width if message else 0)
    return _svg_document(
        width, height, _accessible_text(label, message), style, gradients, background, foreground
    )


_STYLES: Dict[str, Callable[[str, str, str, Optional[str]], str]] = {
    "flat": partial(_classic, style="flat"),
    "flat-square": partial(_classic, style="flat-square"),
    "plastic": partial(_classic, style="plastic"),
    "for-the-badge": _for_the_badge,
    "social": _social,
}
