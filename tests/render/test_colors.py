"""
Unit tests for L{pypipins.render.colors}, against ``shared/BADGES.md``.
"""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pypipins.render import colors

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    "name, hex_value",
    [
        ("brightgreen", "#4b0"),
        ("green", "#67ac09"),
        ("yellowgreen", "#95991a"),
        ("yellow", "#d8b800"),
        ("orange", "#ea7233"),
        ("red", "#dd4343"),
        ("blue", "#007ec6"),
        ("grey", "#555"),
        ("lightgrey", "#939393"),
    ],
)
def test_names_are_drawn_as_badges_md_says(name, hex_value):
    assert colors.to_svg(name) == hex_value


def test_the_names_are_exactly_those_of_badges_md():
    assert set(colors.NAMED) == {
        "brightgreen",
        "green",
        "yellowgreen",
        "yellow",
        "orange",
        "red",
        "blue",
        "grey",
        "lightgrey",
    }


@pytest.mark.parametrize("value", ["#aabbcc", "#000000", "#123456"])
def test_hex_is_drawn_as_it_is(value):
    assert colors.to_svg(value) == value


@pytest.mark.parametrize(
    "alias, name",
    [
        ("gray", "grey"),
        ("lightgray", "lightgrey"),
        ("success", "brightgreen"),
        ("important", "orange"),
        ("critical", "red"),
        ("informational", "blue"),
        ("inactive", "lightgrey"),
    ],
)
def test_aliases(alias, name):
    assert colors.parse(alias) == name
    assert colors.to_svg(alias) == colors.to_svg(name)


@pytest.mark.parametrize(
    "value, expected",
    [
        # hex: lower-cased, 3 digits kept as 3 (badge-maker draws #abc)
        ("abc", "#abc"),
        ("#abc", "#abc"),
        ("#ABC", "#abc"),
        ("ABC", "#abc"),
        ("4b0", "#4b0"),
        ("123456", "#123456"),
        ("#ABCDEF", "#abcdef"),
        ("#abcd", "#abcd"),
        ("#12345678", "#12345678"),
        ("", None),
        ("#12", None),
        ("1234", None),
        ("#1234567", None),
        ("xyz", None),
        # CSS colours, passed through lower-cased as badge-maker does
        ("magenta", "magenta"),
        ("black", "black"),
        ("rebeccapurple", "rebeccapurple"),
        ("rgb(1,2,3)", "rgb(1,2,3)"),
        ("rgba(255, 255, 255, .5)", "rgba(255, 255, 255, .5)"),
        ("rgb(10% 20% 30% / 50%)", "rgb(10% 20% 30% / 50%)"),
        ("hsl(120, 50%, 50%)", "hsl(120, 50%, 50%)"),
        ("hsla(1turn, 50%, 50%, 0.5)", "hsla(1turn, 50%, 50%, 0.5)"),
        ("#ABCD", "#abcd"),
        (" black", " black"),  # checked trimmed, kept as given
        # ...and what it does not take: names and functions are case-sensitive
        ("Black", None),
        ("Red", None),
        ("RGB(1,2,3)", None),
        ("rgb(1,2)", None),
        ("rgb(50%,1,2)", None),
        ("hsl(120,50,50)", None),
        ("rgb(1.5,2,3)", None),
        ("rgb(1,2,3)\n", "rgb(1,2,3)\n"),  # trimmed only to check it
        ("toString", None),
    ],
)
def test_parse(value, expected):
    assert colors.parse(value) == expected


@pytest.mark.parametrize("value", ["\x0bred", "\x0cred", "red\x0c", "\x0b#abc", "rgb(1,\x0b2,3)",
                                   "hsl(1,\x0c2%,3%)", "\x00red", "red\ufffe", "\ud800red"])
def test_a_colour_with_a_character_xml_forbids_is_none(value):
    """
    badge-maker trims U+000B and U+000C (JavaScript white space) to check a colour, then draws
    them: here such a value is no colour, and the default is drawn.
    """
    assert colors.parse(value) is None
    assert colors.to_svg(value) is None


#: What colours are made of, and what XML forbids.
colour_pieces = st.sampled_from(["red", "#abc", "abc", "rgb(", "1", ",", "%", ")", "hsl(", " ", "\t", "\x0b", "\x0c",
                                 "\x00", "\x1f", "\ufffe", "\uffff", "\ud800", "\u00a0", "\ufeff", "black"])


@given(st.one_of(st.text(), st.lists(colour_pieces, max_size=8).map("".join)))
@example("\x0b rgb(1, 2, 3)\x0c")
def test_no_colour_holds_what_xml_forbids(value):
    parsed = colors.parse(value)
    assert parsed is None or not colors.NOT_XML.search(parsed)


@pytest.mark.parametrize(
    "value, fill, brightness",
    [
        ("red", "#dd4343", 0.44),
        ("gray", "#555", 0.33),
        ("abc", "#abc", 0.72),
        ("black", "black", 0.0),
        ("white", "white", 1.0),
        ("rgb(100%, 50%, 0%)", "rgb(100%, 50%, 0%)", 0.59),
        ("hsl(120, 100%, 50%)", "hsl(120, 100%, 50%)", 0.59),
        (" white", " white", 0.0),  # css-color-converter does not read it untrimmed
        ("nope", None, 0.0),
    ],
)
def test_to_svg_and_brightness(value, fill, brightness):
    assert colors.to_svg(value) == fill
    assert colors.brightness(fill) == brightness


@pytest.mark.parametrize(
    "number, text",
    [
        (130, "130"),
        (130.0, "130"),
        (0.1, "0.1"),
        (13.846807861635797, "13.846807861635797"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (1.5e21, "1.5e+21"),
        (1e21, "1e+21"),
        (123456789012345680000.0, "123456789012345680000"),
        (-2.5, "-2.5"),
        (float("nan"), "NaN"),
    ],
)
def test_js_number(number, text):
    assert colors.js_number(number) == text


@pytest.mark.parametrize("value", ["abc", "#a1b2c3", "red", "gray", "black", "rgb(1,2,3)"])
def test_parse_result_is_drawable(value):
    """
    Whatever parse() makes of a colour is drawn as the colour itself is.
    """
    assert colors.to_svg(colors.parse(value)) == colors.to_svg(value)
