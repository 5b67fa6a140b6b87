"""
Unit tests for L{pypipins.names}, against ``shared/BADGES.md``.
"""

import pytest

from pypipins import names

pytestmark = pytest.mark.pure


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
