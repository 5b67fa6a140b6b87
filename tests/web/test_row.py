"""
A README's row as a package's page builds it (L{pypipins.web.row}): the choice read from the
page's query, and the builder's markup, made from the kinds' table. Pure functions; the page
around it is tests/web/test_pages.py's, the builder in a browser tests/scenarios/test_site_browser.py's.
"""

import re
from html import unescape

import attrs
import pytest

from pypipins.badges import KindDoc
from pypipins.badges.pypip import PYPIP
from pypipins.render.svg import STYLES
from pypipins.web import row as rows
from pypipins.web.snippets import row_snippets

pytestmark = pytest.mark.pure

KINDS = tuple((kind, kind.doc) for kind in PYPIP.kinds if kind.doc is not None)
ROW_KINDS = rows.in_row_order(KINDS)
NAMES = tuple(kind.name for kind, _ in ROW_KINDS)


def test_the_default_badges_are_kinds_of_the_table():
    assert set(rows.DEFAULT_BADGES) <= {kind.name for kind, _ in KINDS}
    assert rows.default_row(NAMES) == rows.Row(rows.DEFAULT_BADGES, "flat", "markdown")
    assert rows.Builder(ROW_KINDS).default == rows.default_row(NAMES)


def test_a_row_shows_the_default_badges_first_then_the_table_s_order():
    assert NAMES[:len(rows.DEFAULT_BADGES)] == rows.DEFAULT_BADGES
    others = [kind.name for kind, _ in KINDS if kind.name not in rows.DEFAULT_BADGES]
    assert list(NAMES[len(rows.DEFAULT_BADGES):]) == others


@pytest.mark.parametrize("sent, ticked, style, language, expected", [
    # the page asked without the form: the default row
    (None, [], None, None, rows.Row(rows.DEFAULT_BADGES)),
    (None, ["license"], "social", "rst", rows.Row(rows.DEFAULT_BADGES, "social", "rst")),
    # the form sent: what is ticked, in the row's order, whatever the query's
    ("1", ["types", "license", "v"], "flat-square", "html", rows.Row(("v", "license", "types"), "flat-square", "html")),
    # nothing ticked: no badge
    ("1", [], "plastic", "markdown", rows.Row((), "plastic", "markdown")),
    # a kind, style or language there is not: left for the default
    ("1", ["license", "nope", "license"], "round", "asciidoc", rows.Row(("license",), "flat", "markdown")),
])
def test_the_row_chosen(sent, ticked, style, language, expected):
    assert rows.chosen(NAMES, sent, ticked, style, language) == expected


def builder(base, package, logo, row, kinds):
    return rows.Builder(kinds).markup(base, package, logo, row)


def inputs(markup, kind):
    """
    The C{kind} inputs of C{markup}: (name, value, checked).
    """
    found = []
    for tag in re.findall(r"<input [^>]*>", markup):
        attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))
        if attributes.get("type") == kind:
            found.append((attributes["name"], unescape(attributes["value"]), "checked" in attributes))
    return found


def test_the_builder_says_the_row_chosen():
    row = rows.Row(("d", "license", "types"), "for-the-badge", "rst")
    markup = builder("https://b.test", "Klein", "AT&T", row, ROW_KINDS)
    assert inputs(markup, "checkbox") == [("badge", name, name in row.badges) for name in NAMES]
    assert inputs(markup, "radio") == (
        [("style", style, style == "for-the-badge") for style in STYLES]
        + [("format", name, name == "rst") for name, _ in rows.LANGUAGES]
    )
    assert 'id="logo" name="logo" value="AT&amp;T"' in markup
    query = "style=for-the-badge&logo=AT%26T"
    preview = re.search(r'<p id="row-preview" class="row">(.*?)</p>', markup).group(1)
    assert re.findall(r'<img src="([^"]*)" alt="([^"]*)" />', preview) == [
        (f"/d/Klein/badge.svg?{query}".replace("&", "&amp;"), "downloads"),
        (f"/license/Klein/badge.svg?{query}".replace("&", "&amp;"), "license"),
        (f"/types/Klein/badge.svg?{query}".replace("&", "&amp;"), "types"),
    ]
    snippet = re.search(r'<textarea id="row-snippet"[^>]*>(.*?)</textarea>', markup, re.S).group(1)
    expected = row_snippets("https://b.test", "Klein", [("d", "downloads"), ("license", "license"),
                                                        ("types", "types")], query).rst
    assert unescape(snippet) == expected
    # as tall as its lines, and one for a scroll bar
    assert f'rows="{expected.count(chr(10)) + 2}"' in markup


def test_a_row_of_no_badge():
    markup = builder("https://b.test", "Klein", "", rows.Row(()), ROW_KINDS)
    assert '<p id="row-preview" class="row"></p>' in markup
    assert re.search(r'<textarea id="row-snippet"[^>]*></textarea>', markup)


def test_a_kind_added_to_the_table_is_offered():
    """
    The builder is made from the kinds it is given: a kind added to the table is offered,
    unticked, after the others, and drawn when ticked.
    """
    added = (attrs.evolve(PYPIP.by_name["wheel"], name="platforms", label="platforms"),
             KindDoc("The platforms the latest release has wheels for."))
    kinds = rows.in_row_order(KINDS + (added,))
    names = [kind.name for kind, _ in kinds]
    assert names[-1] == "platforms"
    markup = builder("https://b.test", "Klein", "", rows.default_row(names), kinds)
    assert ("badge", "platforms", False) in inputs(markup, "checkbox")
    chosen = rows.chosen(names, "1", ["platforms", "v"], None, None)
    markup = builder("https://b.test", "Klein", "", chosen, kinds)
    assert '<img src="/platforms/Klein/badge.svg" alt="platforms" />' in markup
    assert "[![platforms](https://b.test/platforms/Klein/badge.svg)]" in markup


def test_the_logo_field_takes_what_the_server_takes():
    # the field's pattern is the server's: a browser refuses to send what would be refused
    assert f'pattern="{rows.LOGO_PATTERN.replace("&", "&amp;")}"' in rows.logo_field("")
    for logo in ("python", "Let's Encrypt", "AT&T", "C++"):
        assert rows.LOGO_NAME.fullmatch(logo)
    for logo in ("-python", "data:image/svg+xml;base64,PHN2Zy8+", "x" * 65, "<b>"):
        assert not rows.LOGO_NAME.fullmatch(logo)
