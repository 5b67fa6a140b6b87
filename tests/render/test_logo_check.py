"""
pypipins.render.logo_check: which logos of a client's own are drawn into rasters. Every icon
simple-icons has, and logos as READMEs give them (SVG and PNG), are; what makes resvg slow, or
reaches out of the logo, is not.
"""

import base64
import gzip
import struct
from urllib.parse import quote

import pytest

from pypipins.badges import query as shields_query
from pypipins.render import logos
from pypipins.render.logo_check import MAX_DEPTH, MAX_DRAWN, MAX_PIXELS, refusal
from tests.hostile_logos import ATTACK, SVG_OPEN, png, svg, uri

pytestmark = pytest.mark.pure

def test_every_simple_icon_is_drawn():
    icons, _ = logos._data()
    for slug in icons:
        for auto_size in (False, True):
            drawn, _ = logos.logo_data_uri(slug, auto_size=auto_size)
            assert refusal(drawn) is None, slug


@pytest.mark.parametrize("logo", [
    # as READMEs give them
    svg('<rect width="24" height="24"/>'),
    uri(png(64, 64), "image/png"),
    uri(png(2048, 2048), "image/png"),
    "data:image/svg+xml;charset=utf-8," + quote(SVG_OPEN + '<circle cx="12" cy="12" r="9"/></svg>'),
    "data:image/svg+xml;utf8," + SVG_OPEN + "<path d='M0 0h24v24z'/></svg>",
    # as drawing programs export them: metadata of their own, CSS classes, gradients, masks
    svg('<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>'
        '<sodipodi:namedview xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"/>'
        '<defs><style>.st0{fill:#FFF;stroke:#000}</style>'
        '<linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient>'
        '<linearGradient id="h" xlink:href="#g"/>'
        '<clipPath id="c"><rect width="20" height="20"/></clipPath>'
        '<mask id="m"><rect width="24" height="24" fill="#fff"/></mask>'
        '<symbol id="s"><path d="M1 1h2"/></symbol></defs>'
        '<g class="st0" clip-path="url(#c)" style="mask:url(&quot;#m&quot;);fill:url(#h)">'
        '<use xlink:href="#s"/><use href="#s" x="4"/><text y="20">Py</text></g>'),
    # drawn as nothing, as before: no image of any kind
    "data:image/png;,%01",
    uri(b"not a picture", "image/png"),
])
def test_logos_as_they_come_are_drawn(logo):
    assert refusal(logo) is None


def test_the_issues_logo_is_refused_and_fits_in_a_url():
    logo = uri(ATTACK)
    assert shields_query.logo(logo) == logo  # short enough to be drawn at all
    assert refusal(logo) is not None
    # under any media type resvg would read it as SVG
    assert refusal(uri(ATTACK, "text/plain")) is not None
    assert refusal("data:image/svg+xml," + quote(ATTACK)) is not None
    assert refusal("data:image/svg+xml;foo=bar;base64," + base64.b64encode(ATTACK.encode()).decode()) is not None
    assert refusal("data:image/png;base64," + base64.b64encode(ATTACK.encode()).decode()) is not None


@pytest.mark.parametrize("body, why", [
    ('<filter id="f"><feGaussianBlur stdDeviation="9"/></filter><rect filter="url(#f)"/>', "filter"),
    ('<rect style="filter: blur(5000px)" width="9" height="9"/>', "filter"),
    ('<rect filter="drop-shadow(0 0 9px red)" width="9" height="9"/>', "filter"),
    ('<style>rect { filter: blur(9px) }</style><rect/>', "filter"),
    ('<rect style="f\\69lter: blur(9px)"/>', "escape"),
    ('<style>@import "http://evil.example/a.css";</style>', "@"),
    ('<style>rect { clip-path: url(#c) }</style>', "url("),
    ('<pattern id="p" width="1" height="1"><rect/></pattern><rect fill="url(#p)"/>', "<pattern>"),
    ('<marker id="m"><path d="M0 0h1"/></marker><path d="M0 0h1" marker-mid="url(#m)"/>', "<marker>"),
    ('<image href="/etc/passwd" width="9" height="9"/>', "<image>"),
    ('<image xlink:href="http://evil.example/x.png"/>', "<image>"),
    ('<script>alert(1)</script>', "<script>"),
    ('<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>', "<foreignObject>"),
    ('<use xlink:href="other.svg#a"/>', "references"),
    ('<use href="#nowhere"/>', "references"),
    ('<rect id="a"/><use href="#a" xlink:href="file:///etc/passwd"/>', "references"),
    ('<linearGradient id="g" href="http://evil.example/g.svg#g"/>', "references"),
    ('<rect fill="url(http://evil.example/p.svg#p)"/>', "references"),
    ('<rect clip-path="url(other.svg#c)"/>', "references"),
    ('<g id="a"><use href="#a"/></g>', "itself"),
    ('<mask id="m"><rect mask="url(#m)"/></mask><rect mask="url(#m)"/>', "itself"),
    ('<rect id="a"/><rect id="a"/>', "two elements"),
    ('<animate attributeName="x"/>', "<animate>"),
])
def test_what_a_logo_never_needs_is_refused(body, why):
    found = refusal(svg(body))
    assert found is not None and why in found, found


def test_fan_out_is_refused():
    """
    Five uses of five uses of a rect... draw the rect 5 ** depth times: fine a few deep, not
    past L{MAX_DRAWN} in all, whether through use, clip-path or mask.
    """

    def fan(depth: int, how: str) -> str:
        body = '<rect id="l0" width="1" height="1"/>'
        for level in range(1, depth + 1):
            if how == "use":
                inner = f'<use href="#l{level - 1}"/>' * 5
            else:
                inner = f'<rect {how}="url(#l{level - 1})"/>' * 5
            tag = {"use": "g", "clip-path": "clipPath", "mask": "mask"}[how]
            body += f'<{tag} id="l{level}">{inner}</{tag}>'
        return svg(body + f'<use href="#l{depth}"/>' if how == "use" else body + f'<rect {how}="url(#l{depth})"/>')

    for how in ("use", "clip-path", "mask"):
        assert refusal(fan(2, how)) is None, how
        assert "more than" in refusal(fan(5, how)), how
    assert MAX_DRAWN < 5 ** 5


def test_deep_nesting_is_refused():
    assert refusal(svg("<g>" * (MAX_DEPTH - 2) + "</g>" * (MAX_DEPTH - 2))) is None
    assert "deep" in refusal(svg("<g>" * 1000 + "</g>" * 1000))
    chain = "".join(f'<g id="g{i}"><use href="#g{i + 1}"/></g>' for i in range(200)) + '<g id="g200"/>'
    assert "deep" in refusal(svg(chain))


def test_entities_and_compressed_logos_are_refused():
    laughs = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
              + SVG_OPEN + "<text>&b;</text></svg>")
    assert "DOCTYPE" in refusal(uri(laughs))
    assert "instruction" in refusal(uri('<?xml-stylesheet href="http://evil.example/a.css"?>' + SVG_OPEN + "</svg>"))
    assert "compressed" in refusal(uri(gzip.compress(ATTACK.encode())))
    # not XML, and not a picture: resvg would try it as SVG
    assert refusal(uri(b"<svg", "text/plain")) is not None
    assert refusal("data:image/svg+xml;base64,%%%") is not None


def test_raster_logos_are_held_to_a_size():
    assert "pixels" in refusal(uri(png(2049, 2048), "image/png"))
    # a header announcing a size its few bytes never fill
    ihdr = struct.pack(">II", 100_000, 100_000) + b"\x08\x06\x00\x00\x00"
    huge_png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0\0\0\0"
    assert "100000x100000" in refusal(uri(huge_png, "image/png"))
    # the same under any media type: resvg sniffs text/plain
    assert "100000x100000" in refusal(uri(huge_png, "text/plain"))
    jpeg = (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0" + b"\0" * 9
            + b"\xff\xc2" + struct.pack(">HBHHB", 11, 8, 60_000, 60_000, 1) + b"\x01\x11\x00")
    assert "60000x60000" in refusal(uri(jpeg, "image/jpeg"))
    gif = b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0, 0, 0) + b"\x2c" + struct.pack("<HHHHB", 0, 0, 30_000, 30_000, 0)
    assert "30000x30000" in refusal(uri(gif, "image/gif"))
    webp = (b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8X" + struct.pack("<I", 10) + b"\0" * 4
            + (16383).to_bytes(3, "little") * 2)
    assert "16384x16384" in refusal(uri(webp, "image/webp"))
    assert "cannot be read" in refusal(uri(b"\xff\xd8\xff\xe0", "image/jpeg"))
    assert MAX_PIXELS == 2048 * 2048
