"""
SVG badges, byte for byte as shields.io draws them.

A port of ``makeBadge`` from the npm package badge-maker 6.0.0 (``lib/index.js``,
``make-badge.js``, ``badge-renderers.js``, ``color.js``, ``xml.js``; MIT OR Apache-2.0,
Copyright (c) Thaddée Tyl, Paul Melnikow, Pierre-Yves Bigourdan and contributors), logos and
links included, with an empty ``idSuffix``. ``tests/fixtures/render/cases.json`` holds
badge-maker's own output for several hundred inputs; ``tests/render/test_svg.py`` holds us
to it.

Where badge-maker computes with JavaScript semantics (UTF-16 lengths, ``trim()``, ``\\s``,
number-to-string, ``toFixed``, the order of floating-point operations), so do we: those
decide the bytes.
"""

import re
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import attrs

from pypipins.render.colors import JS_WHITESPACE as _JS_WHITESPACE
from pypipins.render.colors import NOT_XML as _NOT_XML
from pypipins.render.colors import brightness, js_number, to_svg
from pypipins.render.widths import (
    HELVETICA_11_BOLD,
    VERDANA_10,
    VERDANA_10_BOLD,
    VERDANA_11,
    preferred_width,
    text_width,
    to_int32,
)

__all__ = ["render", "escape_xml", "xml_text", "STYLES"]

STYLES = ("flat", "flat-square", "plastic", "for-the-badge", "social")

_FONT_FAMILY = "Verdana,Geneva,DejaVu Sans,sans-serif"
_SOCIAL_FONT_FAMILY = "Helvetica Neue,Helvetica,Arial,sans-serif"
# Text is laid out at 10x and scaled down, for finer positioning (shields PR 1132).
_SCALE_UP = 10
_SCALE_DOWN = "scale(.1)"
_WHITE = "#fff"
_DEFAULT_COLOR = "#4b0"
_DEFAULT_LABEL_COLOR = "#555"
#: Logos are drawn this high, and (unless told otherwise) this wide.
_LOGO_HEIGHT = 14
#: Between a logo and the label, when there is a label.
_LOGO_PADDING = 3
#: A link's clickable area: a transparent rect.
_TRANSPARENT = "rgba(0,0,0,0)"

_AFTER_TAG_SPACE = re.compile(f">[{_JS_WHITESPACE}]+")
_TAG_OPEN_SPACE = re.compile(f"<[{_JS_WHITESPACE}]+")

Number = Union[int, float]
Attrs = Dict[str, Union[str, Number]]


@attrs.frozen
class _Extras:
    """
    What a badge has besides its texts and colours: a logo (a data URI, as C{href}), the
    width to draw it (0 without a logo), the padding after it (only with a label), and the
    links, left and right (C{""} for none).
    """

    logo: str = ""
    logo_width: Number = 0
    logo_padding: int = 0
    left_link: str = ""
    right_link: str = ""

    @property
    def both_links(self) -> bool:
        return bool(self.left_link) and bool(self.right_link)

    @property
    def body_link(self) -> bool:
        """
        One link only, on the left: the whole badge is that link.
        """
        return bool(self.left_link) and not self.right_link


def render(
    label: str,
    message: str,
    color: str,
    label_color: Optional[str] = None,
    style: str = "flat",
    *,
    logo: Optional[str] = None,
    logo_width: Optional[float] = None,
    links: Sequence[str] = (),
) -> str:
    """
    The SVG that shields.io's server draws with badge-maker's ``makeBadge({label, message,
    color, labelColor, style, logo, logoWidth, links})``, with C{None} meaning the field is
    not given.

    Colours are what badge-maker takes: shields names and aliases (``brightgreen``,
    ``critical``...), hex digits with or without ``#`` (3 of them drawn as 3), CSS colour
    names (``black``, ``rebeccapurple``), ``rgb()``, ``rgba()``, ``hsl()`` and ``hsla()`` (see
    L{pypipins.render.colors.parse}); one it does not take falls back to its default (``#4b0`` on
    the right, ``#555`` on the left). One deliberate difference, outside that domain:
    badge-maker draws ``fill="undefined"`` for names JavaScript finds on ``Object.prototype``
    (``toString``, ``constructor``...); we take them as invalid, and fall back.

    @param logo: a logo's URI, drawn as an C{<image>} (badge-maker's ``logoBase64``): a
        data URI, such as L{pypipins.render.logos.logo_data_uri} gives; C{None} or C{""}
        for none.
    @param logo_width: the width to draw the logo (shields' ``logoWidth``, which
        ``logoSize=auto`` sets); C{None} (or 0) for the default, 14.
    @param links: at most two URLs (badge-maker's ``links``): with one, the whole badge
        links to it; with two, the left and the right part each link to theirs. An empty
        string is no link.

    Where badge-maker would write a character XML 1.0 forbids (L{xml_text}), and so draw no
    image at all, we do not: such characters are dropped from the texts (before they are
    measured), a link holding one is no link, a logo no logo, a colour no colour; and
    L{escape_xml}, which every text and attribute goes through, drops any left.

    @raise ValueError: C{style} is not one of L{STYLES}, or more than two links.
    """
    draw = _STYLES.get(style)
    if draw is None:
        raise ValueError(f"unknown badge style {style!r}, expected one of {STYLES}")
    links = ["" if _NOT_XML.search(link) else link for link in links]
    if len(links) > 2:
        raise ValueError("at most two links")
    if logo and _NOT_XML.search(logo):
        logo = None
    label = xml_text(label).strip(_JS_WHITESPACE)
    # make-badge.js: ``+logoWidth || (logo ? 14 : 0)``.
    width: Number = logo_width if logo_width else (_LOGO_HEIGHT if logo else 0)
    if width != width:  # NaN, falsy in JavaScript
        width = _LOGO_HEIGHT if logo else 0
    extras = _Extras(
        logo=logo or "",
        logo_width=width,
        logo_padding=_LOGO_PADDING if logo and label else 0,
        left_link=links[0] if links else "",
        right_link=links[1] if len(links) > 1 else "",
    )
    svg = draw(
        label,
        xml_text(message).strip(_JS_WHITESPACE),
        _to_svg_color(color) or _DEFAULT_COLOR,
        _to_svg_color(label_color),
        extras,
    )
    return _strip_xml_whitespace(svg)


# Colours.


def _to_svg_color(color: Optional[str]) -> Optional[str]:
    """
    The fill for a user's colour (badge-maker's ``toSvgColor``), L{None} if it is not one.

    Only exact names count (CSS ones too, lower-case). Hex and CSS colours come back
    lower-cased but otherwise as given, surrounding white space included, since
    badge-maker only trims them to validate.
    """
    return to_svg(color)


def _brightness(color: str) -> float:
    """
    The perceived brightness of a fill, 0 to 1 to two decimals (0 if it is not parseable).
    """
    return brightness(color)


def _text_colors(background: str) -> Tuple[str, str]:
    """
    Text and shadow colours that stay legible on C{background}: white on dark, grey on light.
    """
    if _brightness(background) <= 0.69:
        return _WHITE, "#010101"
    return "#333", "#ccc"


# XML.


def xml_text(text: str) -> str:
    """
    C{text} without the characters XML 1.0 forbids (L{pypipins.render.colors.NOT_XML}).
    """
    return _NOT_XML.sub("", text)


def escape_xml(text: str) -> str:
    """
    badge-maker's ``escapeXml``, which escapes quotes in text as well as in attributes; and
    drops what XML forbids (L{xml_text}), which badge-maker writes as it is: whatever reaches
    the document through here, it stays a document.
    """
    return (
        xml_text(text).replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def _element(name: str, attrs: Attrs, *content: str) -> str:
    """
    badge-maker's ``XmlElement.render()``: C{content} is markup (escape text with L{escape_xml});
    an element without any is self-closing. Children are joined with spaces, which
    L{_strip_xml_whitespace} removes again, as in badge-maker.
    """
    rendered = "".join(
        f' {key}="{escape_xml(value) if isinstance(value, str) else js_number(value)}"'
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


def _svg_document(
    width: Number, height: int, accessible_text: str, extras: _Extras, *content: str
) -> str:
    """
    badge-maker's ``renderBadge``: the outer ``<svg>``, titled with the badge's text for
    screen readers, unless both parts are links; with one link, the whole body is that link.
    """
    attrs: Attrs = {"xmlns": "http://www.w3.org/2000/svg", "width": width, "height": height}
    title = ""
    if not extras.both_links:
        attrs["role"] = "img"
        attrs["aria-label"] = accessible_text
        title = _element("title", {}, escape_xml(accessible_text))
    body = "".join(content)
    if extras.body_link:
        body = _element("a", {"target": "_blank", "href": extras.left_link}, *content)
    return _element("svg", attrs, title, body)


def _accessible_text(label: str, message: str) -> str:
    return f"{label}: {message}" if label else message


def _with_text_fill(attrs: Attrs, text_color: str) -> Attrs:
    """
    Give text a fill only when it is not the white its group already sets.
    """
    return attrs if text_color == _WHITE else {**attrs, "fill": text_color}


def _logo(extras: _Extras, x: Number, badge_height: int) -> str:
    """
    The logo, vertically centred, at C{x}; nothing without one.
    """
    if not extras.logo:
        return ""
    return _element("image", {
        "x": x, "y": 0.5 * (badge_height - _LOGO_HEIGHT), "width": extras.logo_width,
        "height": _LOGO_HEIGHT, "href": extras.logo,
    })


def _link(href: str, *content: str) -> str:
    return _element("a", {"target": "_blank", "href": href}, *content)


def _utf16_length(text: str) -> int:
    """
    JavaScript's ``String.length``: astral characters count twice.
    """
    return len(text.encode("utf-16-le")) // 2


# Styles.


def _classic(
    label: str,
    message: str,
    color: str,
    label_color: Optional[str],
    extras: _Extras,
    style: str,
) -> str:
    """
    flat, flat-square and plastic: badge-maker's ``Badge`` class and its three subclasses.

    A label colour alone (with an empty label) still draws a 10px label box in that colour;
    with neither (nor a logo), the whole badge takes the message colour. A logo goes on the
    left, inside the label box when there is one.
    """
    height, vertical_margin, shadow = {
        "flat": (20, 0, True),
        "flat-square": (20, 0, False),
        "plastic": (18, -10, True),
    }[style]
    padding = 5
    has_logo = bool(extras.logo)
    total_logo_width = extras.logo_width + extras.logo_padding
    has_label = bool(label) or label_color is not None
    if label_color is None:
        label_color = _DEFAULT_LABEL_COLOR
    if not (has_label or has_logo):
        label_color = color

    label_margin = total_logo_width + 1
    label_width = preferred_width(label, VERDANA_11) if label else 0
    left_width: Number = label_width + 2 * padding + total_logo_width if has_label else 0
    message_width = preferred_width(message, VERDANA_11)
    message_margin = left_width - (1 if message else 0)
    if not has_label:
        if has_logo:
            message_margin = message_margin + total_logo_width + padding
        else:
            message_margin = message_margin + 1
    right_width: Number = message_width + 2 * padding
    if has_logo and not has_label:
        right_width += total_logo_width + (padding - 1 if message else 0)
    width = left_width + right_width

    def text(
        left_margin: Number,
        content: str,
        background: str,
        content_width: int,
        link: str,
        link_width: Number,
    ) -> str:
        if not content:
            return ""
        fill, shadow_fill = _text_colors(background)
        x = _SCALE_UP * (left_margin + 0.5 * content_width + padding)
        y = 140 + vertical_margin
        length = _SCALE_UP * content_width
        content = escape_xml(content)
        if not shadow:
            attrs: Attrs = {"x": x, "y": y, "textLength": length, "transform": _SCALE_DOWN}
            element = _element("text", _with_text_fill(attrs, fill), content)
        else:
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
            element = _element(
                "g",
                {"transform": _SCALE_DOWN},
                shadows,
                _element("text", _with_text_fill(front, fill), content),
            )
        if not link:
            return element
        rect = _element("rect", {
            "width": link_width, "x": left_margin + 1 if left_margin > 1 else 0,
            "height": height, "fill": _TRANSPARENT,
        })
        return _link(link, rect, element)

    foreground = _element(
        "g",
        {
            "fill": _WHITE, "text-anchor": "middle", "font-family": _FONT_FAMILY,
            "text-rendering": "geometricPrecision", "font-size": 110,
        },
        _logo(extras, padding, height),
        text(
            label_margin, label, label_color, label_width,
            "" if extras.body_link else extras.left_link, left_width,
        ),
        text(message_margin, message, color, message_width, extras.right_link, right_width),
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
        return _svg_document(width, height, title, extras, background, foreground)

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
    return _svg_document(
        width, height, title, extras, blur, gradient, clip, background, foreground
    )


def _for_the_badge(
    label: str, message: str, color: str, label_color: Optional[str], extras: _Extras
) -> str:
    """
    Taller, upper-case and letter-spaced; the message in bold. A label colour without a
    label is ignored, unless there is a logo: then the logo sits on it, in a box of its own.

    Widths are not rounded to odd pixels here, and the letter spacing is counted per UTF-16
    code unit, as badge-maker does (its own TODO says it should count symbols).
    """
    height, margin, letter_spacing = 28, 12, 1.25
    logo_margin, logo_gutter = 9, 6
    label, message = label.upper(), message.upper()
    out_label_color = label_color or _DEFAULT_LABEL_COLOR
    logo, logo_width = extras.logo, extras.logo_width

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

    has_label = bool(label)
    no_text = not has_label and not message
    needs_label_rect = has_label or bool(logo and label_color)
    gutter = logo_gutter - logo_margin if no_text else logo_gutter
    logo_x: Number = logo_margin
    label_text_x: Number = logo_margin + logo_width + gutter if logo else margin
    label_rect_width: Number = 0
    if needs_label_rect:
        if has_label:
            label_rect_width = label_text_x + label_text_width + margin
        else:
            label_rect_width = 2 * logo_margin + logo_width
        message_text_x: Number = label_rect_width + margin
        message_rect_width: Number = 2 * margin + message_text_width
    elif logo:
        message_text_x = margin + logo_width + gutter
        message_rect_width = 2 * margin + logo_width + gutter + message_text_width
    else:
        message_text_x = margin
        message_rect_width = 2 * margin + message_text_width

    label_text = ""
    if has_label:
        label_attrs: Attrs = {
            "transform": _SCALE_DOWN,
            "x": _SCALE_UP * (label_text_x + 0.5 * label_text_width),
            "y": 175,
            "textLength": _SCALE_UP * label_text_width,
        }
        label_fill = _text_colors(out_label_color)[0]
        label_text = _element("text", _with_text_fill(label_attrs, label_fill), escape_xml(label))
        if extras.left_link and not extras.body_link:
            rect = _element("rect", {
                "width": label_rect_width, "height": height, "fill": _TRANSPARENT,
            })
            label_text = _link(extras.left_link, rect, label_text)
    message_attrs: Attrs = {
        "transform": _SCALE_DOWN,
        "x": _SCALE_UP * (message_text_x + 0.5 * message_text_width),
        "y": 175,
        "textLength": _SCALE_UP * message_text_width,
        "font-weight": "bold",
    }
    message_fill = _text_colors(color)[0]
    message_text = _element("text", _with_text_fill(message_attrs, message_fill), escape_xml(message))
    if extras.right_link:
        rect = _element("rect", {
            "width": message_rect_width, "height": height, "x": label_rect_width or 0,
            "fill": _TRANSPARENT,
        })
        message_text = _link(extras.right_link, rect, message_text)

    message_rect: Attrs = {"width": message_rect_width, "height": height, "fill": color}
    rects = [_element("rect", message_rect)]
    if needs_label_rect:
        rects = [
            _element("rect", {
                "width": label_rect_width, "height": height, "fill": out_label_color,
            }),
            _element("rect", {"x": label_rect_width, **message_rect}),
        ]
    background = _element("g", {"shape-rendering": "crispEdges"}, *rects)
    foreground = _element(
        "g",
        {
            "fill": _WHITE, "text-anchor": "middle", "font-family": _FONT_FAMILY,
            "text-rendering": "geometricPrecision", "font-size": _SCALE_UP * 10,
        },
        _logo(extras, logo_x, height),
        label_text,
        message_text,
    )
    return _svg_document(
        (label_rect_width or 0) + message_rect_width,
        height,
        _accessible_text(label, message),
        extras,
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


def _social(
    label: str, message: str, color: str, label_color: Optional[str], extras: _Extras
) -> str:
    """
    GitHub-like: a white label button and a speech bubble for the message, in Helvetica.
    Colours play no part; the label gets a leading capital, after the logo if any.
    """
    label = _capitalize(label)
    height, inner_height, label_padding, message_padding, gutter = 20, 19, 5, 4, 6
    total_logo_width = extras.logo_width + extras.logo_padding
    label_text_width = preferred_width(label, HELVETICA_11_BOLD)
    message_text_width = preferred_width(message, HELVETICA_11_BOLD)
    label_rect_width = label_text_width + total_logo_width + 2 * label_padding
    message_rect_width = message_text_width + 2 * message_padding

    def shadow_and_text(x: Number, length: int, content: str, front: Attrs) -> List[str]:
        """
        A white shadow 1px below, then the text itself.
        """
        shadow: Attrs = {
            "aria-hidden": "true", "x": x, "y": 150, "fill": _WHITE,
            "transform": _SCALE_DOWN, "textLength": length,
        }
        front = {**front, "x": x, "y": 140, "transform": _SCALE_DOWN, "textLength": length}
        return [
            _element("text", shadow, escape_xml(content)),
            _element("text", front, escape_xml(content)),
        ]

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
                "d": f"M{js_number(bubble_x)} 6.5 l-3 3v1 l3 3", "fill": "#fafafa",
            }),
        ])
        texts = shadow_and_text(
            _SCALE_UP * (label_rect_width + gutter + message_rect_width / 2),
            _SCALE_UP * message_text_width,
            message,
            {"id": "rlink"},
        )
        if extras.right_link:
            rect = _element("rect", {
                "width": message_rect_width + 1, "x": label_rect_width + gutter,
                "height": inner_height + 1, "fill": _TRANSPARENT,
            })
            message_texts = _link(extras.right_link, rect, *texts)
        else:
            message_texts = "".join(texts)

    label_button = _element("rect", {
        "id": "llink", "stroke": "#d5d5d5", "fill": "url(#a)", "x": ".5", "y": ".5",
        "width": label_rect_width, "height": inner_height, "rx": 2,
    })
    label_texts = shadow_and_text(
        _SCALE_UP * (total_logo_width + label_text_width / 2 + label_padding),
        _SCALE_UP * label_text_width,
        label,
        {},
    )
    if extras.both_links:
        label_part = _link(extras.left_link, *label_texts, label_button)
    else:
        label_part = label_button + "".join(label_texts)

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
            "aria-hidden": "false" if extras.both_links else "true", "fill": "#333",
            "text-anchor": "middle", "font-family": _SOCIAL_FONT_FAMILY,
            "text-rendering": "geometricPrecision", "font-weight": 700, "font-size": "110px",
            "line-height": "14px",
        },
        label_part,
        message_texts,
    )
    width = label_rect_width + 1 + (gutter + message_rect_width if message else 0)
    return _svg_document(
        width,
        height,
        _accessible_text(label, message),
        extras,
        style,
        gradients,
        background,
        _logo(extras, label_padding, height),
        foreground,
    )


_STYLES: Dict[str, Callable[[str, str, str, Optional[str], _Extras], str]] = {
    "flat": partial(_classic, style="flat"),
    "flat-square": partial(_classic, style="flat-square"),
    "plastic": partial(_classic, style="plastic"),
    "for-the-badge": _for_the_badge,
    "social": _social,
}
