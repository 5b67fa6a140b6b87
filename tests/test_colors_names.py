"""
Unit tests for L{pypipins.colors} and L{pypipins.names}, against ``shared/BADGES.md``.
"""

import pytest

from pypipins import colors, names

pytestmark = pytest.mark.pure

# -- colors ---------------------------------------------------------------------------------


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
def test_to_hex_names(name, hex_value):
    assert colors.to_hex(name) == hex_value


def test_to_hex_knows_exactly_the_names_of_badges_md():
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
def test_to_hex_passes_hex_through(value):
    assert colors.to_hex(value) == value


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
    assert colors.to_hex(colors.parse(alias)) == colors.to_hex(name)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("abc", "#aabbcc"),
        ("#abc", "#aabbcc"),
        ("#ABC", "#aabbcc"),
        ("4b0", "#44bb00"),
        ("123456", "#123456"),
        ("#ABCDEF", "#abcdef"),
        ("", None),
        ("#12", None),
        ("1234", None),
        ("#1234567", None),
        ("xyz", None),
        ("magenta", None),
    ],
)
def test_parse(value, expected):
    assert colors.parse(value) == expected


@pytest.mark.parametrize("value", ["abc", "#a1b2c3", "red", "gray"])
def test_parse_result_is_drawable(value):
    """
    Whatever parse() accepts, to_hex() turns into a '#' hex value.
    """
    hex_value = colors.to_hex(colors.parse(value))
    assert hex_value.startswith("#")
    assert len(hex_value) in (4, 7)


# -- names.is_valid -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "a",
        "Z",
        "7",
        "requests",
        "Django",
        "zope.interface",
        "typing_extensions",
        "python-dateutil",
        "Foo.Bar_baz--Qux",
        "a.b",
        "a-b",
        "a_b",
        "a..b",
        "a-_.b",
        "0x",
        "x0",
        "a" * 128,
        "a" + "-" * 126 + "b",
    ],
)
def test_valid_names(name):
    assert names.is_valid(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "-",
        "_",
        ".",
        "..",
        "-foo",
        "foo-",
        "_foo",
        "foo_",
        ".foo",
        "foo.",
        "foo bar",
        " foo",
        "foo ",
        "foo/bar",
        "/foo",
        "../foo",
        "foo\\bar",
        "foo?x=1",
        "foo#x",
        "foo%20bar",
        "foo:bar",
        "foo+bar",
        "foo\tbar",
        "foo\x00",
        "foo\n",
        "\nfoo",
        "foo\r",
        "a" * 129,
        "a" * 1000,
        "café",
        "naïve-pkg",
        "日本語",
        "ｆｏｏ",
        "foo\u00a0bar",
        "١٢٣",
    ],
)
def test_invalid_names(name):
    assert not names.is_valid(name)


# -- names.normalize ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, normalized",
    [
        ("Foo.Bar_baz--Qux", "foo-bar-baz-qux"),
        ("requests", "requests"),
        ("Django", "django"),
        ("zope.interface", "zope-interface"),
        ("typing_extensions", "typing-extensions"),
        ("Python-Dateutil", "python-dateutil"),
        ("a._-b", "a-b"),
        ("a...b", "a-b"),
        ("a__b", "a-b"),
        ("A-B-C", "a-b-c"),
        ("FOO", "foo"),
    ],
)
def test_normalize(name, normalized):
    assert names.normalize(name) == normalized


@pytest.mark.parametrize("name", ["Foo.Bar_baz--Qux", "FOO", "a-b"])
def test_normalize_is_idempotent_and_valid(name):
    once = names.normalize(name)
    assert names.normalize(once) == once
    assert names.is_valid(once)
