"""
shields' static-badge paths: reading them as shields does, and writing them so that they read back.
"""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pypipins.render import FORMATS
from pypipins.badges.static import StaticBadge, escape, parse, path, split_extension, unescape

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    "content, badge",
    [
        ("license-MIT-blue", StaticBadge("license", "MIT", "blue")),
        ("MIT-blue", StaticBadge("", "MIT", "blue")),
        ("-MIT-blue", StaticBadge("", "MIT", "blue")),
        ("a--b-c--d-red", StaticBadge("a-b", "c-d", "red")),
        ("just_a_test-ff0000", StaticBadge("", "just a test", "ff0000")),
        ("snake__case-x___y-abc", StaticBadge("snake_case", "x_ y", "abc")),
        ("downloads-61k/month-brightgreen", StaticBadge("downloads", "61k/month", "brightgreen")),
        ("x--blue", StaticBadge("x", "", "blue")),
    ],
)
def test_parse(content, badge):
    assert parse(content) == badge


@pytest.mark.parametrize("content", ["", "blue", "a-b-c-d", "a-b-"])
def test_not_a_badge(content):
    assert parse(content) is None


def test_unescape():
    assert unescape("a_b__c___d____e") == "a b_c_ d__e"
    assert unescape("_lead_") == " lead "
    assert unescape("x--y") == "x-y"


def test_split_extension():
    assert split_extension("v-1.2.3-blue.png", FORMATS) == ("v-1.2.3-blue", "png")
    assert split_extension("v-1.2.3-blue", FORMATS) == ("v-1.2.3-blue", "svg")
    assert split_extension("v-1.2.3-blue.json", FORMATS) == ("v-1.2.3-blue", "json")


def test_path():
    assert path("py versions", "3.9, 3.10", "#aabbcc", "svg") == "/badge/py%20versions-3.9%2C%203.10-aabbcc.svg"
    assert path("", "yes", "red", "png") == "/badge/yes-red.png"
    assert path("a-b", "c_d", "blue", "svg") == "/badge/a--b-c__d-blue.svg"
    assert path("a-", "b", "blue", "svg") == "/badge/b-blue.svg?label=a-"
    assert path("a", "-1", "blue", "svg") == "/badge/--1-blue.svg?label=a"


texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=1000)
@example(label="", message=" _", color="blue")
@given(label=texts, message=texts.filter(bool), color=st.sampled_from(["blue", "#aabbcc", "#abc"]))
def test_what_path_writes_parse_reads(label, message, color):
    """
    Any texts survive the trip through a path, as a shields server decodes it. (Every badge has
    a message; with an empty one, shields' own path form is ambiguous: ``-----blue``.)
    """
    written = urlsplit(path(label, message, color, "svg"))
    content, ext = split_extension(unquote(written.path[len("/badge/"):]), FORMATS)
    assert ext == "svg"
    read = parse(content)
    # a label given in the query replaces the path's, as shields does
    label_read = parse_qs(written.query).get("label", [read.label])[0]
    assert (label_read, read.message, read.color) == (label, message, color.lstrip("#"))


@given(texts)
def test_escape_leaves_no_lone_separator(text):
    assert "-" not in unquote(escape(text)).replace("--", "")
