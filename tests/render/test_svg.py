"""
pypipins.render.svg against badge-maker 6.0.0's own output.

The expected SVG comes from tests/fixtures/render/cases.json, written by
tools/make_render_fixtures.js (see its header to regenerate); node is not needed here.
"""

import json
import re
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pypipins.render import logos, widths
from pypipins.render.svg import STYLES, escape_xml, render
from tests.standin import FIXTURES

pytestmark = pytest.mark.pure

FIXTURES = FIXTURES / "render" / "cases.json"
CASES: List[Dict[str, Any]] = json.loads(FIXTURES.read_text(encoding="utf-8"))["cases"]

# Characters XML 1.0 does not allow: badge-maker writes them as they are.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def draw(case: Dict[str, Any]) -> str:
    return render(
        case["label"],
        case["message"],
        case["color"],
        case["labelColor"],
        case["style"],
        logo=case["logo"],
        logo_width=case["logoWidth"],
        links=case["links"] or (),
    )


def first_difference(ours: str, theirs: str) -> str:
    """
    Where two SVG documents part, element by element, for a readable assertion message.
    """
    try:
        mine, expected = ET.fromstring(ours), ET.fromstring(theirs)
    except ET.ParseError as e:
        at = next(
            (i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b),
            min(len(ours), len(theirs)),
        )
        return (f"not comparable as XML ({e}); first different character at {at}:\n"
                f"  ours:   {ours[max(0, at - 60):at + 60]!r}\n"
                f"  theirs: {theirs[max(0, at - 60):at + 60]!r}")

    def name(element: ET.Element) -> str:
        return element.tag.split("}")[-1]

    def walk(a: ET.Element, b: ET.Element, where: str) -> Optional[str]:
        for what, x, y in (
            ("tag", a.tag, b.tag),
            ("attribute order", list(a.attrib), list(b.attrib)),
            ("attributes", a.attrib, b.attrib),
            ("text", a.text, b.text),
            ("tail", a.tail, b.tail),
            ("number of children", len(a), len(b)),
        ):
            if x != y:
                return f"{where}: {what} differs\n  ours:   {x!r}\n  theirs: {y!r}"
        for i, (ca, cb) in enumerate(zip(a, b)):
            found = walk(ca, cb, f"{where}/{name(cb)}[{i}]")  # e.g. /svg/g[4]/g[1]/text[2]
            if found:
                return found
        return None

    return walk(mine, expected, "/svg") or "same tree, different bytes (quoting or escaping?)"


def test_fixtures_cover_the_promise() -> None:
    """
    The reference suite really does hold every style, and over a thousand cases: logos, logo
    widths, one and two links, and CSS colours among them, in every style.
    """
    assert len(CASES) >= 1000
    assert {case["style"] for case in CASES} == set(STYLES)
    for style in STYLES:
        mine = [case for case in CASES if case["style"] == style]
        assert any(case["logo"] for case in mine)
        assert any(case["logoWidth"] for case in mine)
        assert any(case["links"] and len(case["links"]) == 1 and case["links"][0] for case in mine)
        assert any(case["links"] and len(case["links"]) == 2 and all(case["links"]) for case in mine)
        assert any(case["color"] and case["color"].startswith("hsl(") for case in mine)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_same_as_badge_maker(case: Dict[str, Any]) -> None:
    """
    Byte for byte what badge-maker draws for the same input.
    """
    ours = draw(case)
    if ours != case["svg"]:
        pytest.fail(
            f"label={case['label']!r} message={case['message']!r} color={case['color']!r} "
            f"labelColor={case['labelColor']!r} style={case['style']!r} "
            f"logo={(case['logo'] or '')[:40]!r} logoWidth={case['logoWidth']!r} "
            f"links={case['links']!r}\n"
            + first_difference(ours, case["svg"]),
            pytrace=False,
        )


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if not _NOT_XML.search(c["label"] + c["message"])],
    ids=lambda case: case["id"],
)
def test_well_formed(case: Dict[str, Any]) -> None:
    """
    Every badge parses as XML, an SVG root with its title first (none when both parts are
    links: each says where it goes).
    """
    root = ET.fromstring(draw(case))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    links = case["links"] or []
    if len(links) == 2 and all(links):
        assert root[0].tag != "{http://www.w3.org/2000/svg}title"
    else:
        assert root[0].tag == "{http://www.w3.org/2000/svg}title"


#: Every character XML 1.0 forbids, lone surrogates included, and what texts, colours, logos
#: and links are made of.
FORBIDDEN = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\ud800", "\udbff", "\udc00", "\ufffe",
                                                                      "\uffff"]
PIECES = ["red", "#abc", "abc", "rgb(1,2,3)", "hsl(1,2%,3%)", " ", "\t", "\n", "\u00a0", "\ufeff", "x", "&", "<",
          '"', "data:image/png;base64,", "data:image/svg+xml,", "iVBORw0KGgo=", "https://a.org/", "python"]
made_of = st.lists(st.one_of(st.sampled_from(FORBIDDEN), st.sampled_from(PIECES), st.text(max_size=3)),
                   max_size=8).map("".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(label="a", message="b", color="\x0bred", label_color="\x0c#abc", style="flat", logo=None,
         logo_width=None, links=["https://a.org/\uffff", "https://a.org/\ufffe"])
@example(label="\x01a", message="\ud800b", color="red", label_color=None, style="for-the-badge",
         logo="data:image/png;,\x01", logo_width=None, links=[])
@given(label=made_of, message=made_of, color=made_of, label_color=st.one_of(st.none(), made_of),
       style=st.sampled_from(STYLES), logo=st.one_of(st.none(), made_of),
       logo_width=st.one_of(st.none(), st.floats(0, 100)), links=st.lists(made_of, max_size=2))
def test_any_input_draws_xml(label, message, color, label_color, style, logo, logo_width, links) -> None:
    """
    Whatever is given to draw, what XML forbids never reaches the SVG: it parses.
    """
    svg = render(label, message, color, label_color, style, logo=logo, logo_width=logo_width, links=links)
    assert not _NOT_XML.search(svg)
    ET.fromstring(svg)


def test_what_xml_forbids_is_dropped_not_drawn() -> None:
    """
    Texts lose the characters (and are measured without them); a colour holding one is no
    colour, a link no link, a logo no logo: drawn as without them.
    """
    assert render("\x01a\ufffe", "b\x0b", "red") == render("a", "b", "red")
    assert render("a", "b", "\x0bred", "\x0c#abc") == render("a", "b", "nocolour", "nocolour")
    assert render("a", "b", "red", links=["https://a.org/\uffff"]) == render("a", "b", "red")
    assert render("a", "b", "red", links=["https://a.org/\x01", "https://b.org/"]) == render(
        "a", "b", "red", links=["", "https://b.org/"])
    assert render("a", "b", "red", logo="data:image/png;,\x01") == render("a", "b", "red")
    assert escape_xml("a\x00<\ud800") == "a&lt;"


def test_a_data_uri_with_what_xml_forbids_is_no_logo() -> None:
    assert logos.logo_data_uri("data:image/png;,\x01") is None
    assert logos.logo_data_uri("image/png;base64,iVBORw0KGgo=") is not None


@pytest.mark.parametrize("style", STYLES)
def test_script_escaped(style: str) -> None:
    """
    Markup in a text stays text, in the title, the aria-label and the drawn text alike.
    """
    text = "<script>alert(\"x\" & 'y')</script>"
    svg = render("<script>", text, "red", style=style).lower()  # for-the-badge shouts
    assert "<script" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot; &amp; &apos;y&apos;)&lt;/script&gt;" in svg
    title = ET.fromstring(svg).find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text == f"<script>: {text}".lower()


@pytest.mark.parametrize("style", STYLES)
def test_stable(style: str) -> None:
    """
    Same input, same bytes: badges are cached and compared by ETag.
    """
    args = ("downloads", "1.2k/month", "#e05d44", "blue", style)
    assert render(*args) == render(*args)


def test_unknown_style() -> None:
    with pytest.raises(ValueError):
        render("a", "b", "red", style="round")


@pytest.mark.parametrize(
    "text, font, width, preferred",
    [
        # anafanafo 2.0.0's own results (and badge-maker's preferredWidthOf).
        ("build", widths.VERDANA_11, 26.699999999999996, 27),
        ("passing", widths.VERDANA_11, 41.75, 41),
        ("", widths.VERDANA_11, 0, 1),
        ("Shirley Shirley", widths.VERDANA_11, 80.41, 81),
        ("café", widths.VERDANA_11, 22.76, 23),
        ("下载", widths.VERDANA_11, 22, 23),
        ("🚀", widths.VERDANA_11, 10.7, 11),  # unknown: as wide as "m"
        ("\ue000", widths.VERDANA_11, 10.7, 11),
        ("\x01\x7f", widths.VERDANA_11, 0, 1),  # control characters: no width
        ("Build", widths.HELVETICA_11_BOLD, 26.66, 27),
        ("PASSING", widths.VERDANA_10_BOLD, 51.33, 51),
        ("BUILD", widths.VERDANA_10, 31.67, 31),
        # Float sums that land just under an integer: 1302 exactly, 1301.99... summed in order.
        ("x" * 200, widths.VERDANA_11, 1301.9999999999984, 1301),
        ("x" * 300, widths.VERDANA_11, 1952.9999999999975, 1953),
    ],
)
def test_widths(text: str, font: str, width: float, preferred: int) -> None:
    assert widths.text_width(text, font) == width
    assert widths.preferred_width(text, font) == preferred


@pytest.mark.parametrize("color", ["toString", "__proto__", "constructor", "valueOf"])
def test_object_prototype_names_fall_back(color: str) -> None:
    """
    Names JavaScript finds on ``Object.prototype`` badge-maker trips over (it draws
    ``fill="undefined"``); they are invalid here: the default colours instead.
    """
    for style in STYLES:
        assert render("a", "b", color, color, style) == render("a", "b", "x", "x", style)
        assert render("a", "b", color, color, style) == render("a", "b", "#4b0", None, style)


@pytest.mark.parametrize("style", STYLES)
def test_css_colours_drawn(style: str) -> None:
    svg = render("a", "b", "rebeccapurple", "hsl(120, 50%, 50%)", style)
    if style != "social":
        assert 'fill="rebeccapurple"' in svg


@pytest.mark.parametrize("style", STYLES)
def test_too_many_links(style: str) -> None:
    with pytest.raises(ValueError):
        render("a", "b", "red", style=style, links=["x", "y", "z"])


@pytest.mark.parametrize("style", STYLES)
def test_links_escaped(style: str) -> None:
    svg = render("a", "b", "red", style=style, links=['https://e.org/?a=1&b="<x>"'])
    assert 'href="https://e.org/?a=1&amp;b=&quot;&lt;x&gt;&quot;"' in svg
    ET.fromstring(svg)
