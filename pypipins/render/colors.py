"""
The colours a badge may have, as shields.io's badge-maker 6.0.0 takes them (its
``lib/color.js``, which checks CSS colours with the npm package css-color-converter 2.0.0):
shields' names and aliases, hex digits with or without ``#``, and CSS colours (names such as
``black``, ``rgb()``, ``rgba()``, ``hsl()``, ``hsla()``), with JavaScript's semantics where
they decide what is drawn; and the characters a badge's text can hold (JavaScript's white
space, and what XML forbids), which the renderer and the query's checks share.
"""

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Dict, Optional, Tuple, Union

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

#: CSS colour names and their RGB values, as the npm package color-name 1.1.4 (MIT) has them;
#: css-color-converter reads them from there.
CSS_NAMES: Dict[str, Tuple[int, int, int]] = {
    "aliceblue": (240, 248, 255), "antiquewhite": (250, 235, 215), "aqua": (0, 255, 255),
    "aquamarine": (127, 255, 212), "azure": (240, 255, 255), "beige": (245, 245, 220),
    "bisque": (255, 228, 196), "black": (0, 0, 0), "blanchedalmond": (255, 235, 205),
    "blue": (0, 0, 255), "blueviolet": (138, 43, 226), "brown": (165, 42, 42),
    "burlywood": (222, 184, 135), "cadetblue": (95, 158, 160), "chartreuse": (127, 255, 0),
    "chocolate": (210, 105, 30), "coral": (255, 127, 80), "cornflowerblue": (100, 149, 237),
    "cornsilk": (255, 248, 220), "crimson": (220, 20, 60), "cyan": (0, 255, 255),
    "darkblue": (0, 0, 139), "darkcyan": (0, 139, 139), "darkgoldenrod": (184, 134, 11),
    "darkgray": (169, 169, 169), "darkgreen": (0, 100, 0), "darkgrey": (169, 169, 169),
    "darkkhaki": (189, 183, 107), "darkmagenta": (139, 0, 139),
    "darkolivegreen": (85, 107, 47), "darkorange": (255, 140, 0), "darkorchid": (153, 50, 204),
    "darkred": (139, 0, 0), "darksalmon": (233, 150, 122), "darkseagreen": (143, 188, 143),
    "darkslateblue": (72, 61, 139), "darkslategray": (47, 79, 79),
    "darkslategrey": (47, 79, 79), "darkturquoise": (0, 206, 209), "darkviolet": (148, 0, 211),
    "deeppink": (255, 20, 147), "deepskyblue": (0, 191, 255), "dimgray": (105, 105, 105),
    "dimgrey": (105, 105, 105), "dodgerblue": (30, 144, 255), "firebrick": (178, 34, 34),
    "floralwhite": (255, 250, 240), "forestgreen": (34, 139, 34), "fuchsia": (255, 0, 255),
    "gainsboro": (220, 220, 220), "ghostwhite": (248, 248, 255), "gold": (255, 215, 0),
    "goldenrod": (218, 165, 32), "gray": (128, 128, 128), "green": (0, 128, 0),
    "greenyellow": (173, 255, 47), "grey": (128, 128, 128), "honeydew": (240, 255, 240),
    "hotpink": (255, 105, 180), "indianred": (205, 92, 92), "indigo": (75, 0, 130),
    "ivory": (255, 255, 240), "khaki": (240, 230, 140), "lavender": (230, 230, 250),
    "lavenderblush": (255, 240, 245), "lawngreen": (124, 252, 0),
    "lemonchiffon": (255, 250, 205), "lightblue": (173, 216, 230),
    "lightcoral": (240, 128, 128), "lightcyan": (224, 255, 255),
    "lightgoldenrodyellow": (250, 250, 210), "lightgray": (211, 211, 211),
    "lightgreen": (144, 238, 144), "lightgrey": (211, 211, 211), "lightpink": (255, 182, 193),
    "lightsalmon": (255, 160, 122), "lightseagreen": (32, 178, 170),
    "lightskyblue": (135, 206, 250), "lightslategray": (119, 136, 153),
    "lightslategrey": (119, 136, 153), "lightsteelblue": (176, 196, 222),
    "lightyellow": (255, 255, 224), "lime": (0, 255, 0), "limegreen": (50, 205, 50),
    "linen": (250, 240, 230), "magenta": (255, 0, 255), "maroon": (128, 0, 0),
    "mediumaquamarine": (102, 205, 170), "mediumblue": (0, 0, 205),
    "mediumorchid": (186, 85, 211), "mediumpurple": (147, 112, 219),
    "mediumseagreen": (60, 179, 113), "mediumslateblue": (123, 104, 238),
    "mediumspringgreen": (0, 250, 154), "mediumturquoise": (72, 209, 204),
    "mediumvioletred": (199, 21, 133), "midnightblue": (25, 25, 112),
    "mintcream": (245, 255, 250), "mistyrose": (255, 228, 225), "moccasin": (255, 228, 181),
    "navajowhite": (255, 222, 173), "navy": (0, 0, 128), "oldlace": (253, 245, 230),
    "olive": (128, 128, 0), "olivedrab": (107, 142, 35), "orange": (255, 165, 0),
    "orangered": (255, 69, 0), "orchid": (218, 112, 214), "palegoldenrod": (238, 232, 170),
    "palegreen": (152, 251, 152), "paleturquoise": (175, 238, 238),
    "palevioletred": (219, 112, 147), "papayawhip": (255, 239, 213),
    "peachpuff": (255, 218, 185), "peru": (205, 133, 63), "pink": (255, 192, 203),
    "plum": (221, 160, 221), "powderblue": (176, 224, 230), "purple": (128, 0, 128),
    "rebeccapurple": (102, 51, 153), "red": (255, 0, 0), "rosybrown": (188, 143, 143),
    "royalblue": (65, 105, 225), "saddlebrown": (139, 69, 19), "salmon": (250, 128, 114),
    "sandybrown": (244, 164, 96), "seagreen": (46, 139, 87), "seashell": (255, 245, 238),
    "sienna": (160, 82, 45), "silver": (192, 192, 192), "skyblue": (135, 206, 235),
    "slateblue": (106, 90, 205), "slategray": (112, 128, 144), "slategrey": (112, 128, 144),
    "snow": (255, 250, 250), "springgreen": (0, 255, 127), "steelblue": (70, 130, 180),
    "tan": (210, 180, 140), "teal": (0, 128, 128), "thistle": (216, 191, 216),
    "tomato": (255, 99, 71), "turquoise": (64, 224, 208), "violet": (238, 130, 238),
    "wheat": (245, 222, 179), "white": (255, 255, 255), "whitesmoke": (245, 245, 245),
    "yellow": (255, 255, 0), "yellowgreen": (154, 205, 50),
}

#: What JavaScript's ``trim()`` and regex ``\s`` take for white space (Python's ``str.strip``
#: and ``\s`` differ: they also take U+001C-U+001F and U+0085, and leave U+FEFF).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)

#: Characters XML 1.0 does not allow anywhere in a document: C0 controls but tab, LF and CR;
#: lone surrogates; U+FFFE and U+FFFF. An SVG holding one, even in an attribute, is no image
#: at all (a browser shows an error, a cache keeps it). Two of them, U+000B and U+000C, are
#: JavaScript white space, which badge-maker keeps around a colour it takes.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Number = Union[int, float]

# badge-maker's isHexColor: bare digits, 3 or 6 of them.
_BARE_HEX = re.compile("(?:[0-9a-fA-F]{3}){1,2}")

# css-color-converter's forms, each matched whole, with JavaScript's \d and \s (not Python's).
_S = f"[{JS_WHITESPACE}]*"
_SS = f"[{JS_WHITESPACE}]+"
_A = "(?:0|1|0?\\.[0-9]+|[0-9]+%)"
_HEX = re.compile("#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})(?:[0-9a-fA-F]{2})?")
_SHORT_HEX = re.compile("#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])[0-9a-fA-F]?")
_RGB = [
    # rgb, rgbperc (commas); rgbfn, rgbpercfn (spaces), in the order it tries them.
    re.compile(f"rgba?\\({_S}([0-9]+){_S},{_S}([0-9]+){_S},{_S}([0-9]+)"
               f"(?:{_S},{_S}{_A})?{_S}\\)"),
    re.compile(f"rgba?\\({_S}([0-9]+%){_S},{_S}([0-9]+%){_S},{_S}([0-9]+%)"
               f"(?:{_S},{_S}{_A})?{_S}\\)"),
    re.compile(f"rgba?\\({_S}([0-9]+){_SS}([0-9]+){_SS}([0-9]+)(?:{_S}/{_S}{_A})?{_S}\\)"),
    re.compile(f"rgba?\\({_S}([0-9]+%){_SS}([0-9]+%){_SS}([0-9]+%)(?:{_S}/{_S}{_A})?{_S}\\)"),
]
_HSL = re.compile(
    f"hsla?\\({_S}([0-9]+)(deg|rad|grad|turn)?{_S},{_S}([0-9]+)%{_S},{_S}([0-9]+)%"
    f"(?:{_S},{_S}{_A})?{_S}\\)"
)
#: css-unit-converter's factors from each angle unit to degrees.
_TO_DEGREES = {"deg": 1, "grad": 0.9, "rad": 180 / math.pi, "turn": 360}


def parse(value: str) -> Optional[str]:
    """
    A colour given by a user as badge-maker normalises it (its ``normalizeColor``): a shields
    name (an alias becomes its name), ``#`` and bare hex digits lower-cased, 3 digits kept as
    3; a CSS colour lower-cased as given (surrounding white space included: badge-maker only
    trims it to check it). L{None} when badge-maker does not take it.

    Names and CSS forms are case-sensitive, as there: ``Red`` and ``RGB(1,2,3)`` are not colours.

    One deliberate difference: a value holding a character XML forbids (L{NOT_XML}, such as
    the vertical tab badge-maker trims and then draws, ``?color=%0Bred``) is not a colour, so
    that the default is drawn, as for any other invalid colour, and the SVG stays XML.
    """
    if value in NAMED:
        return value
    if value in ALIASES:
        return ALIASES[value]
    if _BARE_HEX.fullmatch(value):
        return "#" + value.lower()
    # names and hex digits hold none: only white space around a CSS colour, or in it, may
    if NOT_XML.search(value) is None and css_rgb(value.strip(JS_WHITESPACE)) is not None:
        return value.lower()
    return None


def to_svg(color: Optional[str]) -> Optional[str]:
    """
    The fill badge-maker draws for a user's colour (its ``toSvgColor``): the value of a
    shields name, else what L{parse} gives; L{None} if it is not a colour.

    JavaScript finds names such as ``toString`` on ``Object.prototype`` and badge-maker draws
    ``fill="undefined"`` for them; we take them for what they are, not colours.
    """
    if color is None:
        return None
    normalized = parse(color)
    if normalized is None:
        return None
    return NAMED.get(normalized, normalized)


def brightness(color: Optional[str]) -> float:
    """
    badge-maker's ``brightness()`` of a fill: 0 to 1, to two decimals as ``toFixed(2)`` has
    it; 0 for what css-color-converter does not read (a fill with white space around it
    included), NaN where JavaScript's arithmetic makes one.
    """
    rgb = css_rgb(color) if color else None
    if rgb is None:
        return 0.0
    r, g, b = rgb
    value = (r * 299 + g * 587 + b * 114) / 255000
    if math.isnan(value):
        return value
    # toFixed(2): the decimal nearest the double, ties to the larger.
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def css_rgb(text: str) -> Optional[Tuple[float, float, float]]:
    """
    The red, green and blue values css-color-converter's ``fromString(text)`` holds (its
    C{Color} clamps each to 0-255 through JavaScript's ``parseInt``), or L{None} when it
    reads no colour in C{text}.
    """
    if text in CSS_NAMES:
        return _color(CSS_NAMES[text])
    match = _HEX.fullmatch(text) or _SHORT_HEX.fullmatch(text)
    if match:
        return _color(tuple(int(d * (3 - len(d)), 16) for d in match.groups()))
    for pattern in _RGB:
        match = pattern.fullmatch(text)
        if match:
            return _color(tuple(_rgb_part(part) for part in match.groups()))
    match = _HSL.fullmatch(text)
    if match:
        hue, unit, saturation, lightness = match.groups()
        degrees = _js_round5(_TO_DEGREES[unit or "deg"] * float(hue))
        return _color(_hsl_to_rgb(degrees, float(saturation), float(lightness)))
    return None


def _rgb_part(part: str) -> Number:
    """
    ``parseInt(part, 10)``, times 255/100 for a percentage, as JavaScript computes it.
    """
    if part.endswith("%"):
        return _js_float(part[:-1]) * 255 / 100
    return _js_float(part)


def _js_float(digits: str) -> float:
    """
    A string of decimal digits as JavaScript's ``parseInt``/``parseFloat`` read it: the
    nearest double, Infinity when too large.
    """
    return float(digits)


def _js_round5(value: float) -> float:
    """
    css-unit-converter's rounding to five decimals: ``Math.round(value * 1e5) / 1e5``.
    """
    scaled = value * 100000
    if not math.isfinite(scaled):
        return scaled
    floor = math.floor(scaled)
    # Math.round: the nearest integer, ties towards +Infinity (exact, unlike floor(x + .5)).
    return (floor + 1 if scaled - floor >= 0.5 else floor) / 100000


def _hsl_to_rgb(h: float, s: float, l: float) -> Tuple[float, float, float]:  # noqa: E741
    """
    css-color-converter's ``hslToRgb``, with JavaScript's ``%`` (the dividend's sign, and NaN
    for an infinite dividend).
    """
    hprim = h / 60
    sprim = s / 100
    lprim = l / 100
    c = (1 - abs(2 * lprim - 1)) * sprim
    x = c * (1 - abs(_js_mod(hprim, 2) - 1))
    m = lprim - c / 2
    if hprim < 1:
        rgb = (c, x, 0.0)
    elif hprim < 2:
        rgb = (x, c, 0.0)
    elif hprim < 3:
        rgb = (0.0, c, x)
    elif hprim < 4:
        rgb = (0.0, x, c)
    elif hprim < 5:
        rgb = (x, 0.0, c)
    else:
        rgb = (c, 0.0, x)
    return ((rgb[0] + m) * 255, (rgb[1] + m) * 255, (rgb[2] + m) * 255)


def _js_mod(a: float, b: float) -> float:
    if not math.isfinite(a):
        return math.nan
    return math.fmod(a, b)


def _color(values: Tuple[Number, ...]) -> Tuple[float, float, float]:
    """
    css-color-converter's C{Color}: each value through ``parseInt(value, 10)`` (so through
    its string form: ``1e-7`` reads as 1) and clamped to 0-255 (NaN stays NaN).
    """
    r, g, b = (_clamp(_js_parse_int(v)) for v in values[:3])
    return r, g, b


def _clamp(value: float) -> float:
    if math.isnan(value):
        return value
    return max(min(value, 255), 0)


def _js_parse_int(value: Number) -> float:
    """
    JavaScript's ``parseInt(value, 10)`` of a number: the leading integer of its string form.
    """
    match = re.match(r"-?[0-9]+", js_number(value))
    if match is None:
        return math.nan
    return float(int(match.group()))


def js_number(value: Number) -> str:
    """
    A number as JavaScript writes it (``Number.prototype.toString()``): ``130``, not
    ``130.0``; ``1e-7``, ``1.5e+21``.
    """
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        if abs(value) < 10**21:
            return str(value)
        value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr() gives the shortest digits that read back as the same double, as JavaScript does.
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    assert isinstance(exponent, int)
    exponent += len("".join(map(str, digit_tuple))) - len(digits)
    k = len(digits)
    n = k + exponent
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text
