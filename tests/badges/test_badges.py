"""
Unit tests for L{pypipins.badges} itself: metric(), L{Options} read from a query, and the
dialects' tables (L{pypipins.badges.pypip}, L{pypipins.badges.shields}): every name and alias
finds its kind, every reason is worded in each dialect. Pure.
"""

from pathlib import Path

import pytest

from pypipins import badges
from pypipins.badges import Badge, Options, Reason
from pypipins.badges.pypip import PYPIP
from pypipins.badges.shields import SHIELDS
from tests.helpers import sample_of

pytestmark = pytest.mark.pure


# -- metric() -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, expected",
    [
        # the examples of BADGES.md
        (999, "999"),
        (1000, "1k"),
        (1100, "1.1k"),
        (10100, "10k"),
        (999499, "999k"),
        (999500, "1M"),
        (1578896212, "1.6G"),
        # below 1000: the number itself
        (0, "0"),
        (1, "1"),
        (42, "42"),
        # one decimal below 10 of a unit, unless it is .0
        (1001, "1k"),
        (1049, "1k"),
        (1500, "1.5k"),
        (9900, "9.9k"),
        (2000000, "2M"),
        (2500000, "2.5M"),
        # half up on the exact binary value, as JavaScript's toFixed() does
        (1250, "1.3k"),
        (1050, "1.1k"),
        (1150, "1.1k"),
        (9950, "9.9k"),
        # rounding to 10 of a unit leaves the decimal
        (9999, "10k"),
        (9960, "10k"),
        # 10 and above: a whole number, half up
        (10500, "11k"),
        (123456, "123k"),
        (999000, "999k"),
        # rounding to 1000 moves up a unit
        (999999, "1M"),
        (999999999, "1G"),
        (999500000, "1G"),
        # every suffix in turn
        (10**3, "1k"),
        (10**6, "1M"),
        (10**9, "1G"),
        (10**12, "1T"),
        (10**15, "1P"),
        (10**18, "1E"),
        (10**21, "1Z"),
        (10**24, "1Y"),
        (3 * 10**12, "3T"),
        (4_200 * 10**15, "4.2E"),
    ],
)
def test_metric(n, expected):
    assert badges.metric(n) == expected


@pytest.mark.parametrize(
    "n, expected",
    [
        (-1, "-1"),
        (-999, "-999"),
        (-1000, "-1k"),
        (-1500, "-1.5k"),
        (-999500, "-1M"),
    ],
)
def test_metric_negative(n, expected):
    assert badges.metric(n) == expected


# -- Options.from_query ---------------------------------------------------------------------


def test_options_defaults():
    assert Options.from_query({}) == Options(
        style="flat", label=None, color=None, label_color=None, period="month", text="pypi"
    )


@pytest.mark.parametrize("style", ["flat", "flat-square", "plastic", "for-the-badge", "social"])
def test_options_styles(style):
    assert Options.from_query({"style": style}).style == style


@pytest.mark.parametrize("style", ["", "popout", "FLAT", "flat_square", "for the badge", "<x>"])
def test_options_unknown_style_is_flat(style):
    assert Options.from_query({"style": style}).style == "flat"


@pytest.mark.parametrize("label", ["", "my badge", "<script>", "ünïcode"])
def test_options_label_as_given(label):
    assert Options.from_query({"label": label}).label == label


COLOR_CASES = [
    # the names
    ("brightgreen", "brightgreen"),
    ("green", "green"),
    ("yellowgreen", "yellowgreen"),
    ("yellow", "yellow"),
    ("orange", "orange"),
    ("red", "red"),
    ("blue", "blue"),
    ("grey", "grey"),
    ("lightgrey", "lightgrey"),
    # the aliases
    ("gray", "grey"),
    ("lightgray", "lightgrey"),
    ("success", "brightgreen"),
    ("important", "orange"),
    ("critical", "red"),
    ("informational", "blue"),
    ("inactive", "lightgrey"),
    # 3- and 6-digit hex, with or without '#', lower-cased with a '#' (3 digits kept, as
    # badge-maker draws them)
    ("abc", "#abc"),
    ("#abc", "#abc"),
    ("ABC", "#abc"),
    ("#4B0", "#4b0"),
    ("123", "#123"),
    ("a1b2c3", "#a1b2c3"),
    ("#a1b2c3", "#a1b2c3"),
    ("#A1B2C3", "#a1b2c3"),
    ("FFFFFF", "#ffffff"),
    ("000000", "#000000"),
    # CSS colours, which badge-maker passes through (4-digit hex with a '#' among them)
    ("purple", "purple"),
    ("#abcd", "#abcd"),
    ("rgb(1,2,3)", "rgb(1,2,3)"),
    ("hsla(120, 50%, 50%, .5)", "hsla(120, 50%, 50%, .5)"),
    # invalid
    ("", None),
    ("#", None),
    ("Purple", None),
    ("notacolor", None),
    ("ab", None),
    ("#ab", None),
    ("abcd", None),
    ("abcde", None),
    ("abcdefa", None),
    ("#abcdefa", None),
    ("ggg", None),
    ("#12345g", None),
    ("##abc", None),
    ("red;", None),
    ("rgb(1,2)", None),
]


@pytest.mark.parametrize("value, expected", COLOR_CASES)
def test_options_color(value, expected):
    assert Options.from_query({"color": value}).color == expected


@pytest.mark.parametrize("value, expected", COLOR_CASES)
def test_options_label_color(value, expected):
    options = Options.from_query({"labelColor": value})
    assert options.label_color == expected
    assert options.color is None


def test_options_color_and_label_color_are_independent():
    options = Options.from_query({"color": "red", "labelColor": "#abc"})
    assert options.color == "red"
    assert options.label_color == "#abc"


@pytest.mark.parametrize(
    "query, expected",
    [({}, "pypi"), ({"text": "version"}, "version"), ({"text": "pypi"}, "pypi"), ({"text": "x"}, "pypi")],
)
def test_options_text(query, expected):
    assert Options.from_query(query).text == expected


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"period": "day"}, "day"),
        ({"period": "week"}, "week"),
        ({"period": "month"}, "month"),
        ({}, "month"),
        ({"period": "year"}, "month"),
        ({"period": "DAY"}, "month"),
        ({"period": ""}, "month"),
    ],
)
def test_options_period(query, expected):
    assert Options.from_query(query).period == expected


# -- the dialects' tables -------------------------------------------------------------------

DIALECTS = [PYPIP, SHIELDS]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_name_and_alias_resolves_to_its_kind(dialect):
    for kind in dialect.kinds:
        for name in (kind.name, *kind.aliases):
            assert dialect.kind(name) is kind
    assert dialect.kind("no-such-kind") is None


@pytest.mark.parametrize("dialect", DIALECTS)
def test_no_name_is_taken_twice(dialect):
    names = [name for kind in dialect.kinds for name in (kind.name, *kind.aliases)]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_a_message_and_colour(dialect, reason):
    for kind in dialect.kinds:
        badge = dialect.error(kind, reason, Options())
        assert badge.message and badge.color
        assert badge == Badge(kind.own_label(Options()), badge.message, badge.color, is_error=True)


def test_aliases_of_pypip():
    assert PYPIP.kind("version") is PYPIP.kind("v")
    assert PYPIP.kind("download") is PYPIP.kind("d")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_kind_says_its_own_label(dialect):
    for kind in dialect.kinds:
        said = kind.say(sample_of(kind.reads), Options())
        assert said.label == kind.own_label(Options())
        assert kind.max_age > 0


def test_lasting_reasons_are_those_of_the_request_itself():
    lasting = {reason for reason in Reason if reason.lasting}
    assert lasting == {Reason.INVALID_NAME, Reason.UNKNOWN_INDEX, Reason.INVALID_VERSION, Reason.NOT_COUNTED,
                       Reason.NO_SIMPLE_API, Reason.NO_JSON_API}


def test_shields_words_not_found_by_route():
    assert SHIELDS.error(SHIELDS.kind("v"), Reason.INVALID_NAME, Options()) == Badge(
        "pypi", "package or version not found", "red", is_error=True)
    assert SHIELDS.error(SHIELDS.kind("dm"), Reason.NOT_FOUND, Options()) == Badge(
        "downloads", "package not found", "red", is_error=True)


def test_every_pypip_kind_has_its_page():
    assert all(kind.doc is not None for kind in PYPIP.kinds)


# -- a kind is generic over what it reads ---------------------------------------------------

#: Kinds whose function does not take what they read, each on its line, and one that does.
_MISFITS = '''\
from pypipins.badges import Kind, Reads
from pypipins.badges.pypip import downloads_badge, project_status_badge, version_badge

Kind("d2", "downloads", downloads_badge)
Kind("v2", "pypi", version_badge, reads=Reads.DOWNLOADS)
Kind("s2", "project", project_status_badge, reads=Reads.PROVENANCE)
Kind("s3", "project", project_status_badge, reads=Reads.PROJECT)
'''


@pytest.mark.slow
def test_a_kind_whose_function_does_not_fit_what_it_reads_is_a_type_error(tmp_path):
    """
    mypy (on CPython: PyPy has none) refuses a kind whose function takes other facts than
    it reads, a kind that names no reads reading a release's facts.
    """
    api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "misfits.py"
    snippet.write_text(_MISFITS, encoding="utf-8")
    out, _, status = api.run([
        "--config-file", str(Path(__file__).parents[2] / "pyproject.toml"),
        "--cache-dir", str(tmp_path / "cache"), str(snippet),
    ])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert [int(line.split(":")[1]) for line in errors] == [4, 5, 6], out
    assert "expected \"Callable[[PackageFacts, Options], Badge]\"" in errors[0]
    assert "expected \"Callable[[Downloads, Options], Badge]\"" in errors[1]
    assert "expected \"Callable[[ReleaseProvenance, Options], Badge]\"" in errors[2]
    assert status == 1
